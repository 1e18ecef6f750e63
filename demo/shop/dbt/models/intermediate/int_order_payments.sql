-- Paid amount per order; ephemeral, so it is inlined into revenue_daily.
select
    order_id,
    sum(amount_eur) as paid_eur,
    count(*) as payment_count
from {{ ref('stg_payments') }}
group by order_id
