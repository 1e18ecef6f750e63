select
    cast(payment_id as integer) as payment_id,
    cast(order_id as integer) as order_id,
    lower(trim(method)) as payment_method,
    cast(amount as decimal(12, 2)) as amount_eur,
    cast(paid_at as timestamp) as paid_at
from {{ source('bronze', 'payments') }}
where amount > 0
