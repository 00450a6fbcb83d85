{#
  CLA8: placement stability (publication.md): `total` = children looked after at 31 March;
  `3_or_more` = those of them with three or more placements during the year (see
  fct_cla_placement_stability), as a count and as a `percent` of the total, half up to one
  decimal from unrounded counts in exact integer arithmetic. A percentage of a total of 0
  is empty with [z]; cells of an LA that did not submit, and every Wales cell of that
  year, are [x].
#}
with areas as (
    select year, area_code, is_wales, has_return
    from {{ ref('int_cla_returns_by_area') }}
    where {{ year_filter() }}
),

placement_keys as (
    select key as placements
    from {{ ref('dimension_keys') }}
    where dimension = 'placements'
),

stability as (
    select year, la_code, has_3_or_more_placements
    from {{ ref('fct_cla_placement_stability') }}
    where {{ year_filter() }}
),

scoped as (
    select stability.year, stability.la_code as area_code, stability.has_3_or_more_placements
    from stability
    union all
    select stability.year, areas.area_code, stability.has_3_or_more_placements
    from stability
    inner join areas
        on stability.year = areas.year and areas.is_wales
),

counts as (
    select
        year,
        area_code,
        count(*) as total,
        count(*) filter (where has_3_or_more_placements) as three_or_more
    from scoped
    group by year, area_code
),

cells as (
    select
        areas.year,
        areas.area_code,
        placement_keys.placements,
        areas.has_return,
        case
            when placement_keys.placements = 'total' then coalesce(counts.total, 0)
            when placement_keys.placements = '3_or_more' then coalesce(counts.three_or_more, 0)
        end as n,
        coalesce(counts.total, 0) as denominator
    from areas
    cross join placement_keys
    left join counts
        on
            areas.year = counts.year
            and areas.area_code = counts.area_code
),

count_cells as (
    select
        year,
        area_code,
        placements,
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
        placements,
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
    where placements <> 'total'
),

all_cells as (
    select year, area_code, placements, measure, n_or_tenths, note_codes, is_tenths from count_cells
    union all
    select year, area_code, placements, measure, n_or_tenths, note_codes, is_tenths from percent_cells
)

select
    cast(year as varchar) as year,
    cast(area_code as varchar) as area_code,
    cast(placements as varchar) as placements,
    cast(measure as varchar) as measure,
    cast(
        case when is_tenths then cast(n_or_tenths as decimal(18, 1)) / 10 else n_or_tenths end as decimal(18, 1)
    ) as value,
    cast(note_codes as varchar) as note_codes
from all_cells
