{#
  CLA7: care leavers who reached 19 during the year (publication.md): `total` = the distinct
  young people in the LA's care_leavers return; in_touch (Y only), suitable_accommodation
  (Y) and education_training_employment (activity F1-F5 or P1-P5) as counts and as a
  `percent` of the same area's total, half up to one decimal from unrounded counts in
  exact integer arithmetic. A percentage of a total of 0 is empty with [z]; cells of an LA
  that did not submit, and every Wales cell of that year, are [x].
#}
with areas as (
    select year, area_code, is_wales, has_return
    from {{ ref('int_cla_returns_by_area') }}
    where {{ year_filter() }}
),

outcomes as (
    select key as outcome
    from {{ ref('dimension_keys') }}
    where dimension = 'outcome'
),

care_leavers as (
    select year, la_code, is_in_touch, is_accommodation_suitable, is_eet
    from {{ ref('fct_cla_care_leavers') }}
    where {{ year_filter() }}
),

scoped as (
    select
        care_leavers.year,
        care_leavers.la_code as area_code,
        care_leavers.is_in_touch,
        care_leavers.is_accommodation_suitable,
        care_leavers.is_eet
    from care_leavers
    union all
    select
        care_leavers.year,
        areas.area_code,
        care_leavers.is_in_touch,
        care_leavers.is_accommodation_suitable,
        care_leavers.is_eet
    from care_leavers
    inner join areas
        on care_leavers.year = areas.year and areas.is_wales
),

counts as (
    select
        year,
        area_code,
        count(*) as total,
        count(*) filter (where is_in_touch) as in_touch,
        count(*) filter (where is_accommodation_suitable) as suitable_accommodation,
        count(*) filter (where is_eet) as education_training_employment
    from scoped
    group by year, area_code
),

cells as (
    select
        areas.year,
        areas.area_code,
        outcomes.outcome,
        areas.has_return,
        case
            when outcomes.outcome = 'total' then coalesce(counts.total, 0)
            when outcomes.outcome = 'in_touch' then coalesce(counts.in_touch, 0)
            when outcomes.outcome = 'suitable_accommodation' then coalesce(counts.suitable_accommodation, 0)
            when outcomes.outcome = 'education_training_employment' then coalesce(counts.education_training_employment, 0)
        end as n,
        coalesce(counts.total, 0) as denominator
    from areas
    cross join outcomes
    left join counts
        on
            areas.year = counts.year
            and areas.area_code = counts.area_code
),

count_cells as (
    select
        year,
        area_code,
        outcome,
        'count' as measure,
        case when has_return then n end as n_or_tenths,
        case when has_return then '' else '[x]' end as note_codes,
        false as is_tenths
    from cells
),

percent_cells as (
    select
        year,
        area_code,
        outcome,
        'percent' as measure,
        case
            when has_return and denominator > 0 then {{ tenths_half_up('n', 'denominator', 100) }}
        end as n_or_tenths,
        case
            when not has_return then '[x]'
            when denominator = 0 then '[z]'
            else ''
        end as note_codes,
        true as is_tenths
    from cells
    where outcome <> 'total'
),

all_cells as (
    select year, area_code, outcome, measure, n_or_tenths, note_codes, is_tenths from count_cells
    union all
    select year, area_code, outcome, measure, n_or_tenths, note_codes, is_tenths from percent_cells
)

select
    cast(year as varchar) as year,
    cast(area_code as varchar) as area_code,
    cast(outcome as varchar) as outcome,
    cast(measure as varchar) as measure,
    cast(
        case when is_tenths then cast(n_or_tenths as decimal(18, 1)) / 10 else n_or_tenths end as decimal(18, 1)
    ) as value,
    cast(note_codes as varchar) as note_codes
from all_cells
