select
    cast(order_id as integer) as order_id,
    cast(customer_id as integer) as customer_id,
    cast(order_date as date) as order_date,
    cast(amount as decimal(12, 2)) as amount_eur,
    lower(trim(status)) as status
from {{ source('bronze', 'orders') }}
where order_id is not null
