{{ config(materialized='table') }}

select
    gss_code as area_code,
    name_en,
    name_cy,
    ons_order,
    gss_code = 'W92000004' as is_wales
from {{ ref('local_authorities') }}
