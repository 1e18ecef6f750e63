{{ config(materialized='view') }}

-- Per-customer order aggregates, kept as a view so customer_orders stays a single table scan.
select
    customer_id,
    count(*) as order_count,
    sum(amount_eur) as revenue_eur,
    min(order_date) as first_order_date,
    max(order_date) as last_order_date
from {{ ref('stg_orders') }}
where status <> 'cancelled'
group by customer_id
