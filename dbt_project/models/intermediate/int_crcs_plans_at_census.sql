{{ config(tags=['crcs']) }}
{#
  Every submitted CRCS row (a child in CIN and CRCS snapshot returns, a plan in all-year
  returns) with the 31 March snapshot rule applied (publication.md, Receiving care and support
  at 31 March, every era):
  - started_by_cutoff: the plan (CIN: case, from the referral date) started on or before
    1 January of the census year;
  - is_open_at_census: no end date, or an end date after the census date (a plan that ends on
    31 March is not open);
  - is_counted_child: both, and the child is born and under 18 on the census date;
  - is_counted_unborn: both, and the child is unborn (no date of birth, an expected date).
  Age in completed years on the census date (29 February birthdays fall on 1 March).
#}
with children as (
    select
        year,
        era,
        la_code,
        child_pid,
        sex,
        date_of_birth,
        is_unborn,
        plan_start_date,
        plan_end_date,
        reason_for_closure,
        category_of_need,
        disability,
        is_looked_after,
        is_on_child_protection_register,
        parental_factors,
        child_mental_health,
        child_substance_misuse,
        youth_offending,
        immunisations_up_to_date,
        dental_check,
        source_line,
        {{ census_date('year') }} as census_date
    from {{ ref('stg_crcs__children') }}
    where {{ year_filter() }}
),

checked as (
    select
        year, era, la_code, child_pid, sex, date_of_birth, is_unborn, plan_start_date, plan_end_date,
        reason_for_closure, category_of_need, disability, is_looked_after, is_on_child_protection_register,
        parental_factors, child_mental_health, child_substance_misuse, youth_offending,
        immunisations_up_to_date, dental_check, source_line,
        plan_start_date <= {{ crcs_start_cutoff('year') }} as started_by_cutoff,
        plan_end_date is null or plan_end_date > census_date as is_open_at_census,
        case
            when date_of_birth is not null and date_of_birth <= census_date
                then {{ age_on('date_of_birth', 'census_date') }}
        end as age_at_census
    from children
)

select
    year,
    era,
    la_code,
    child_pid,
    sex,
    date_of_birth,
    is_unborn,
    age_at_census,
    plan_start_date,
    plan_end_date,
    reason_for_closure,
    category_of_need,
    disability,
    is_looked_after,
    is_on_child_protection_register,
    parental_factors,
    child_mental_health,
    child_substance_misuse,
    youth_offending,
    immunisations_up_to_date,
    dental_check,
    source_line,
    started_by_cutoff,
    is_open_at_census,
    coalesce(started_by_cutoff and is_open_at_census and age_at_census < 18, false) as is_counted_child,
    coalesce(started_by_cutoff and is_open_at_census and is_unborn, false) as is_counted_unborn
from checked
