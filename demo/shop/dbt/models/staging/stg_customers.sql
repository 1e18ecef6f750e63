select
    c.customer_id,
    trim(c.name) as customer_name,
    upper(c.country_code) as country_code,
    cc.country_name,
    cc.region,
    cast(c.created_at as timestamp) as created_at
from {{ source('bronze', 'customers') }} as c
left join {{ ref('country_codes') }} as cc
    on upper(c.country_code) = cc.country_code
