-- Revenue per order day: ordered and paid amounts in EUR, and in USD where the day's rate is known.
-- Incremental and partitioned by day (floe.yaml): a run rebuilds only the days of its window,
-- which floe passes as the dbt vars min_date (inclusive) and max_date (exclusive).
{{ config(materialized='incremental', unique_key='order_date', incremental_strategy='delete+insert') }}

with orders as (
    select * from {{ ref('stg_orders') }}
    where status <> 'cancelled'
    {% if var('min_date', none) is not none %}
        and order_date >= cast('{{ var("min_date") }}' as date)
        and order_date < cast('{{ var("max_date") }}' as date)
    {% endif %}
),

rates as (
    select rate_date, usd_rate
    from {{ source('raw', 'exchange_rates') }}
    where upper(currency) = 'USD'
)

select
    o.order_date,
    count(*) as order_count,
    sum(o.amount_eur) as ordered_eur,
    sum(coalesce(p.paid_eur, 0)) as paid_eur,
    sum(o.amount_eur) * max(r.usd_rate) as ordered_usd
from orders as o
left join {{ ref('int_order_payments') }} as p
    on o.order_id = p.order_id
left join rates as r
    on o.order_date = r.rate_date
group by o.order_date
