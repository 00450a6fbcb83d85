{#
  Reference data (a seed's view for the marts, in the marts schema): built with the seeds (tag
  `reference`, the reference_build job), so either census builds on its own on a fresh warehouse.
  In its own folder, not marts/, so that the census builds do not select it: excluding it from
  them would exclude the relationship tests of every mart and publication model that refers to it.
#}
{{ config(materialized='table', schema='marts', tags=['reference']) }}

select
    gss_code as area_code,
    name_en,
    name_cy,
    ons_order,
    gss_code = 'W92000004' as is_wales
from {{ ref('local_authorities') }}
