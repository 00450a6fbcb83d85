{{ config(tags=['crcs']) }}
{#
  CRCS4: children receiving care and support at 31 March with a disability, by type (publication.md): one key
  per code of crcs_disability.csv, a child counted once per code (from the latest qualifying plan), and
  `total` = children with any; unborn children left out. `percent` on every key is of all
  children (the area's CRCS1 total), half up to one decimal from unrounded counts (exact). A
  percentage of 0 children is empty with [z]; cells of an LA that did not submit, and every
  Wales cell of that year, are [x].
#}
with areas as (
    select year, area_code, is_wales, has_return
    from {{ ref('int_crcs_returns_by_area') }}
    where {{ year_filter() }}
),

dimension_keys as (
    select keys.key as disability_type
    from {{ ref('dimension_keys') }} as keys
    where
        keys.dimension = 'disability_type'
        and (
            keys.key = 'total'
            or keys.key in (select codes.code from {{ ref('crcs_disability') }} as codes)
        )
),

children as (
    select year, la_code, child_pid
    from {{ ref('fct_crcs_children_at_census') }}
    where {{ year_filter() }}
),

child_codes as (
    select year, la_code, child_pid, disability_code as disability_type
    from {{ ref('fct_crcs_child_disabilities') }}
    where {{ year_filter() }}
    union all
    select distinct year, la_code, child_pid, 'total' as disability_type
    from {{ ref('fct_crcs_child_disabilities') }}
    where {{ year_filter() }}
),

scoped_children as (
    select year, la_code as area_code
    from children
    union all
    select children.year, areas.area_code
    from children
    inner join areas
        on children.year = areas.year and areas.is_wales
),

scoped_codes as (
    select year, la_code as area_code, disability_type
    from child_codes
    union all
    select child_codes.year, areas.area_code, child_codes.disability_type
    from child_codes
    inner join areas
        on child_codes.year = areas.year and areas.is_wales
),

denominators as (
    select year, area_code, count(*) as n
    from scoped_children
    group by year, area_code
),

counts as (
    select year, area_code, disability_type, count(*) as n
    from scoped_codes
    group by year, area_code, disability_type
),

cells as (
    select
        areas.year,
        areas.area_code,
        dimension_keys.disability_type,
        areas.has_return,
        coalesce(counts.n, 0) as n,
        coalesce(denominators.n, 0) as denominator
    from areas
    cross join dimension_keys
    left join counts
        on
            areas.year = counts.year
            and areas.area_code = counts.area_code
            and dimension_keys.disability_type = counts.disability_type
    left join denominators
        on
            areas.year = denominators.year
            and areas.area_code = denominators.area_code
),

all_cells as (
    select
        year,
        area_code,
        disability_type,
        'count' as measure,
        case when has_return then n * 10 end as tenths,
        case when has_return then '' else '[x]' end as note_codes
    from cells
    union all
    select
        year,
        area_code,
        disability_type,
        'percent' as measure,
        case when has_return and denominator > 0 then {{ tenths_half_up('n', 'denominator', 100) }} end as tenths,
        case
            when not has_return then '[x]'
            when denominator = 0 then '[z]'
            else ''
        end as note_codes
    from cells
)

select
    cast(year as varchar) as year,
    cast(area_code as varchar) as area_code,
    cast(disability_type as varchar) as disability_type,
    cast(measure as varchar) as measure,
    {{ tenths_to_value('tenths') }} as value,
    cast(note_codes as varchar) as note_codes
from all_cells
