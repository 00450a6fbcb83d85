{#
  Reference data (a seed's view for the marts): built with the seeds (tag `reference`, the
  reference_build job), so either census builds on its own on a fresh warehouse.
#}
{{ config(materialized='table', tags=['reference']) }}

select
    gss_code as area_code,
    name_en,
    name_cy,
    ons_order,
    gss_code = 'W92000004' as is_wales
from {{ ref('local_authorities') }}
