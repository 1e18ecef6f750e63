-- Revenue per order day: ordered and paid amounts in EUR, and in USD where the day's rate is known.
with orders as (
    select * from {{ ref('stg_orders') }}
    where status <> 'cancelled'
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
