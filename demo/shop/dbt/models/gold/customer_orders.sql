select
    c.customer_id,
    c.customer_name,
    c.country_code,
    c.region,
    coalesce(t.order_count, 0) as order_count,
    coalesce(t.revenue_eur, 0) as revenue_eur,
    t.first_order_date,
    t.last_order_date
from {{ ref('stg_customers') }} as c
left join {{ ref('tmp_order_totals') }} as t
    on c.customer_id = t.customer_id
