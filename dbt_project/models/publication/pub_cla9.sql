{#
  CLA9: children receiving short breaks during the year (publication.md): children with a
  short-break episode (V3, V4) open at any time in the year, by area; no other dimension.
  Cells of an LA that did not submit, and the Wales cell of that year, are [x].
#}
with areas as (
    select year, area_code, is_wales, has_return
    from {{ ref('int_cla_returns_by_area') }}
    where {{ year_filter() }}
),

short_breaks as (
    select year, la_code
    from {{ ref('fct_cla_short_breaks') }}
    where {{ year_filter() }}
),

scoped as (
    select short_breaks.year, short_breaks.la_code as area_code
    from short_breaks
    union all
    select short_breaks.year, areas.area_code
    from short_breaks
    inner join areas
        on short_breaks.year = areas.year and areas.is_wales
),

counts as (
    select year, area_code, count(*) as n
    from scoped
    group by year, area_code
),

cells as (
    select
        areas.year,
        areas.area_code,
        case when areas.has_return then coalesce(counts.n, 0) end as n
    from areas
    left join counts
        on
            areas.year = counts.year
            and areas.area_code = counts.area_code
)

select
    cast(year as varchar) as year,
    cast(area_code as varchar) as area_code,
    cast('count' as varchar) as measure,
    cast(n as decimal(18, 1)) as value,
    cast(case when n is null then '[x]' else '' end as varchar) as note_codes
from cells
