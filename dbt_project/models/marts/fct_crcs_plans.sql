{{ config(tags=['crcs']) }}
{#
  One row per care and support plan of an all-year return (2023-24 on) that started or closed
  during the year, for CRCS8 (publication.md): plans, not children; unborn children left out.
  Started: the plan start date is in the year (1 April to 31 March). Closed: the end date is
  in the year, with its reason for closure. Earlier eras have no plan dates and no rows.
#}
with plans as (
    select
        year,
        la_code,
        child_pid,
        plan_start_date,
        plan_end_date,
        reason_for_closure
    from {{ ref('stg_crcs__children') }}
    where
        era = 'CRCS_ALL_YEAR'
        and not is_unborn
        and {{ year_filter() }}
),

flagged as (
    select
        year,
        la_code,
        child_pid,
        plan_start_date,
        plan_end_date,
        reason_for_closure,
        plan_start_date between {{ year_start_date('year') }} and {{ census_date('year') }} as is_started_in_year,
        coalesce(
            plan_end_date between {{ year_start_date('year') }} and {{ census_date('year') }}, false
        ) as is_closed_in_year
    from plans
)

select
    year,
    la_code,
    child_pid,
    plan_start_date,
    plan_end_date,
    reason_for_closure,
    is_started_in_year,
    is_closed_in_year
from flagged
where is_started_in_year or is_closed_in_year
