{{ config(tags=['crcs']) }}
{#
  CRCS children of every era in one vocabulary: one row per submitted row (a child in CIN and
  CRCS snapshot returns, a plan in all-year returns). Sex mapped to male/female/other by seed;
  codes and flags trimmed and upper-cased; the ;-separated code lists normalised (trimmed,
  upper-cased, empty items dropped, distinct, sorted; NULL when none); unborn = no date of
  birth and an expected date of birth.
#}
with source as (
    select
        year,
        la_code,
        child_pid,
        sex,
        date_of_birth,
        expected_date_of_birth,
        ethnicity,
        plan_start_date,
        plan_end_date,
        reason_for_closure,
        category_of_need,
        disability,
        looked_after,
        on_child_protection_register,
        cpr_category,
        parental_factors,
        child_mental_health,
        child_substance_misuse,
        youth_offending,
        immunisations_up_to_date,
        dental_check,
        school_attendance_pct,
        source_line
    from {{ source('raw', 'crcs_children') }}
),

eras as (
    select era, first_year, last_year
    from {{ ref('eras') }}
    where census = 'crcs'
),

sex_groups as (
    select code, sex
    from {{ ref('sex_groups') }}
    where census = 'crcs'
),

normalised as (
    select
        year,
        la_code,
        child_pid,
        upper(trim(sex)) as sex_code,
        date_of_birth,
        expected_date_of_birth,
        date_of_birth is null and expected_date_of_birth is not null as is_unborn,
        upper(trim(ethnicity)) as ethnicity,
        plan_start_date,
        plan_end_date,
        nullif(upper(trim(reason_for_closure)), '') as reason_for_closure,
        upper(trim(category_of_need)) as category_of_need,
        {{ crcs_code_list('disability') }} as disability,
        upper(trim(looked_after)) = 'Y' as is_looked_after,
        upper(trim(on_child_protection_register)) = 'Y' as is_on_child_protection_register,
        nullif(upper(trim(cpr_category)), '') as cpr_category,
        {{ crcs_code_list('parental_factors') }} as parental_factors,
        nullif(upper(trim(child_mental_health)), '') as child_mental_health,
        nullif(upper(trim(child_substance_misuse)), '') as child_substance_misuse,
        nullif(upper(trim(youth_offending)), '') as youth_offending,
        nullif(upper(trim(immunisations_up_to_date)), '') as immunisations_up_to_date,
        nullif(upper(trim(dental_check)), '') as dental_check,
        school_attendance_pct,
        source_line
    from source
)

select
    normalised.year,
    eras.era,
    normalised.la_code,
    normalised.child_pid,
    normalised.sex_code,
    sex_groups.sex,
    normalised.date_of_birth,
    normalised.expected_date_of_birth,
    normalised.is_unborn,
    normalised.ethnicity,
    normalised.plan_start_date,
    normalised.plan_end_date,
    normalised.reason_for_closure,
    normalised.category_of_need,
    normalised.disability,
    normalised.is_looked_after,
    normalised.is_on_child_protection_register,
    normalised.cpr_category,
    normalised.parental_factors,
    normalised.child_mental_health,
    normalised.child_substance_misuse,
    normalised.youth_offending,
    normalised.immunisations_up_to_date,
    normalised.dental_check,
    normalised.school_attendance_pct,
    normalised.source_line
from normalised
left join eras
    on normalised.year between eras.first_year and coalesce(eras.last_year, '9999-99')
left join sex_groups
    on normalised.sex_code = sex_groups.code
