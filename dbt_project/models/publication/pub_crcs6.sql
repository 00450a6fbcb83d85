{{ config(tags=['crcs']) }}
{#
  CRCS6: children receiving care and support at 31 March with the child's mental health, the
  child's substance misuse or youth offending recorded (`Y` only; publication.md), and `total`
  = any of them; from the latest qualifying plan; unborn children left out. `percent` on every
  key is of all children (the area's CRCS1 total), half up to one decimal (exact). Mental
  health is not collected before 2016-17 (CIN era): its cells are [z] (before [x]), and
  `total` is then any of the other two. A percentage of 0 children is [z]; cells of an LA that
  did not submit, and every Wales cell of that year, are [x].
#}
with areas as (
    select year, era, area_code, is_wales, has_return
    from {{ ref('int_crcs_returns_by_area') }}
    where {{ year_filter() }}
),

factors as (
    select key as factor
    from {{ ref('dimension_keys') }}
    where dimension = 'factor'
),

children as (
    select
        year,
        la_code,
        child_mental_health = 'Y' as has_mental_health,
        child_substance_misuse = 'Y' as has_substance_misuse,
        youth_offending = 'Y' as has_youth_offending
    from {{ ref('fct_crcs_children_at_census') }}
    where {{ year_filter() }}
),

scoped as (
    select year, la_code as area_code, has_mental_health, has_substance_misuse, has_youth_offending
    from children
    union all
    select
        children.year,
        areas.area_code,
        children.has_mental_health,
        children.has_substance_misuse,
        children.has_youth_offending
    from children
    inner join areas
        on children.year = areas.year and areas.is_wales
),

counts as (
    select
        year,
        area_code,
        count(*) as children,
        count(*) filter (where has_mental_health) as mental_health,
        count(*) filter (where has_substance_misuse) as substance_misuse,
        count(*) filter (where has_youth_offending) as youth_offending,
        count(*) filter (where has_mental_health or has_substance_misuse or has_youth_offending) as any_factor
    from scoped
    group by year, area_code
),

cells as (
    select
        areas.year,
        areas.area_code,
        factors.factor,
        areas.has_return,
        factors.factor = 'mental_health' and areas.era = 'CIN' as is_not_applicable,
        case
            when factors.factor = 'total' then coalesce(counts.any_factor, 0)
            when factors.factor = 'mental_health' then coalesce(counts.mental_health, 0)
            when factors.factor = 'substance_misuse' then coalesce(counts.substance_misuse, 0)
            when factors.factor = 'youth_offending' then coalesce(counts.youth_offending, 0)
        end as n,
        coalesce(counts.children, 0) as denominator
    from areas
    cross join factors
    left join counts
        on
            areas.year = counts.year
            and areas.area_code = counts.area_code
),

all_cells as (
    select
        year,
        area_code,
        factor,
        'count' as measure,
        case when has_return and not is_not_applicable then n * 10 end as tenths,
        case
            when is_not_applicable then '[z]'
            when not has_return then '[x]'
            else ''
        end as note_codes
    from cells
    union all
    select
        year,
        area_code,
        factor,
        'percent' as measure,
        case
            when has_return and not is_not_applicable and denominator > 0
                then {{ tenths_half_up('n', 'denominator', 100) }}
        end as tenths,
        case
            when is_not_applicable then '[z]'
            when not has_return then '[x]'
            when denominator = 0 then '[z]'
            else ''
        end as note_codes
    from cells
)

select
    cast(year as varchar) as year,
    cast(area_code as varchar) as area_code,
    cast(factor as varchar) as factor,
    cast(measure as varchar) as measure,
    {{ tenths_to_value('tenths') }} as value,
    cast(note_codes as varchar) as note_codes
from all_cells
