{{ config(tags=['crcs']) }}
{#
  One row per child receiving care and support at 31 March and code of their parental_factors list
  (from the latest qualifying plan; a child counts once per code). Used by CRCS5.
#}
with children as (
    select year, la_code, child_pid, parental_factors
    from {{ ref('fct_crcs_children_at_census') }}
    where
        parental_factors is not null
        and {{ year_filter() }}
),

codes as (
    select year, la_code, child_pid, unnest({{ crcs_codes('parental_factors') }}) as parental_factor
    from children
)

select distinct year, la_code, child_pid, parental_factor
from codes
