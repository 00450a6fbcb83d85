{{ config(tags=['crcs']) }}
{#
  One row per child receiving care and support at 31 March (publication.md), the population
  of every CRCS table except CRCS1's `unborn` and CRCS8: a qualifying plan (started by 1
  January, open on the census date) and born and under 18 on the census date, in every era.
  Children are counted, not plans: a child with more than one qualifying plan (all-year era)
  takes the attributes of the plan that started latest. Status: looked after, else on the
  child protection register, else neither.
#}
with qualifying as (
    select
        year,
        era,
        la_code,
        child_pid,
        sex,
        age_at_census,
        plan_start_date,
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
        row_number() over (
            partition by year, la_code, child_pid
            order by plan_start_date desc, plan_end_date desc nulls first, source_line desc
        ) as pick
    from {{ ref('int_crcs_plans_at_census') }}
    where
        is_counted_child
        and {{ year_filter() }}
)

select
    year,
    era,
    la_code,
    child_pid,
    sex,
    age_at_census,
    plan_start_date,
    category_of_need,
    case
        when is_looked_after then 'looked_after'
        when is_on_child_protection_register then 'child_protection_register'
        else 'neither'
    end as status,
    disability,
    parental_factors,
    child_mental_health,
    child_substance_misuse,
    youth_offending,
    immunisations_up_to_date,
    dental_check
from qualifying
where pick = 1
