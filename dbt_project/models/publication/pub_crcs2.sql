{{ config(tags=['crcs']) }}
{#
  CRCS2: children receiving care and support at 31 March by category of need (N1-N9) and
  total (publication.md), with the `percent` of the area's total on N1-N9, half up to one
  decimal from unrounded counts (exact integer arithmetic). Category of need of the child's
  latest qualifying plan; unborn children left out. A percentage of a total of 0 is empty
  with [z]; cells of an LA that did not submit, and every Wales cell of that year, are [x].
#}
with areas as (
    select year, area_code, is_wales, has_return
    from {{ ref('int_crcs_returns_by_area') }}
    where {{ year_filter() }}
),

categories as (
    select keys.key as category_of_need
    from {{ ref('dimension_keys') }} as keys
    where
        keys.dimension = 'category_of_need'
        and (
            keys.key = 'total'
            or keys.key in (select codes.code from {{ ref('crcs_category_of_need') }} as codes)
        )
),

children as (
    select year, la_code, category_of_need
    from {{ ref('fct_crcs_children_at_census') }}
    where {{ year_filter() }}
),

scoped as (
    select year, la_code as area_code, category_of_need
    from children
    union all
    select children.year, areas.area_code, children.category_of_need
    from children
    inner join areas
        on children.year = areas.year and areas.is_wales
),

counts as (
    select year, area_code, category_of_need, count(*) as n
    from scoped
    group by year, area_code, category_of_need
    union all
    select year, area_code, 'total' as category_of_need, count(*) as n
    from scoped
    group by year, area_code
),

cells as (
    select
        areas.year,
        areas.area_code,
        categories.category_of_need,
        areas.has_return,
        coalesce(counts.n, 0) as n,
        coalesce(totals.n, 0) as denominator
    from areas
    cross join categories
    left join counts
        on
            areas.year = counts.year
            and areas.area_code = counts.area_code
            and categories.category_of_need = counts.category_of_need
    left join counts as totals
        on
            areas.year = totals.year
            and areas.area_code = totals.area_code
            and totals.category_of_need = 'total'
),

all_cells as (
    select
        year,
        area_code,
        category_of_need,
        'count' as measure,
        case when has_return then n * 10 end as tenths,
        case when has_return then '' else '[x]' end as note_codes
    from cells
    union all
    select
        year,
        area_code,
        category_of_need,
        'percent' as measure,
        case when has_return and denominator > 0 then {{ tenths_half_up('n', 'denominator', 100) }} end as tenths,
        case
            when not has_return then '[x]'
            when denominator = 0 then '[z]'
            else ''
        end as note_codes
    from cells
    where category_of_need <> 'total'
)

select
    cast(year as varchar) as year,
    cast(area_code as varchar) as area_code,
    cast(category_of_need as varchar) as category_of_need,
    cast(measure as varchar) as measure,
    {{ tenths_to_value('tenths') }} as value,
    cast(note_codes as varchar) as note_codes
from all_cells
