{{ config(tags=['crcs']) }}
{#
  One row per unborn child receiving care and support at 31 March (publication.md, Unborn
  children): a plan with no date of birth and an expected date that meets the same start
  rule (started by 1 January, open on the census date). Counted in CRCS1 under `unborn` only,
  outside `total`. A child who also has a qualifying plan as a born child (all-year era) is
  counted there, not here.
#}
with unborn as (
    select year, la_code, child_pid, max(plan_start_date) as plan_start_date
    from {{ ref('int_crcs_plans_at_census') }}
    where
        is_counted_unborn
        and {{ year_filter() }}
    group by year, la_code, child_pid
),

born as (
    select year, la_code, child_pid
    from {{ ref('fct_crcs_children_at_census') }}
    where {{ year_filter() }}
)

select
    unborn.year,
    unborn.la_code,
    unborn.child_pid,
    unborn.plan_start_date
from unborn
left join born
    on
        unborn.year = born.year
        and unborn.la_code = born.la_code
        and unborn.child_pid = born.child_pid
where born.child_pid is null
