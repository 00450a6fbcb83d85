{{ config(tags=['crcs']) }}
{#
  One row per child receiving care and support at 31 March and code of their disability list
  (from the latest qualifying plan; a child counts once per code). Used by CRCS4.
#}
with children as (
    select year, la_code, child_pid, disability
    from {{ ref('fct_crcs_children_at_census') }}
    where
        disability is not null
        and {{ year_filter() }}
),

codes as (
    select year, la_code, child_pid, unnest({{ crcs_codes('disability') }}) as disability_code
    from children
)

select distinct year, la_code, child_pid, disability_code
from codes
