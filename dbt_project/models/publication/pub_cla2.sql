{#
  CLA2: children looked after at 31 March by local authority and placement group, with the
  total (publication.md). Placement is that of the episode open on the census date.
  Unrounded: disclosure control is applied when the table is published. Cells of an LA
  that did not submit, and every Wales cell of that year, are [x].
#}
with areas as (
    select year, area_code, is_wales, has_return
    from {{ ref('int_cla_returns_by_area') }}
    where {{ year_filter() }}
),

groups as (
    select key as placement_group
    from {{ ref('dimension_keys') }}
    where dimension = 'placement_group'
),

stock as (
    select year, la_code, placement_group
    from {{ ref('fct_cla_looked_after_at_census') }}
    where {{ year_filter() }}
),

{# Each child once in its LA's row and once in the Wales row. #}
scoped as (
    select stock.year, stock.la_code as area_code, stock.placement_group
    from stock
    union all
    select stock.year, areas.area_code, stock.placement_group
    from stock
    inner join areas
        on stock.year = areas.year and areas.is_wales
),

counts as (
    select year, area_code, placement_group, count(*) as n
    from scoped
    group by year, area_code, placement_group
    union all
    select year, area_code, 'total' as placement_group, count(*) as n
    from scoped
    group by year, area_code
),

cells as (
    select
        areas.year,
        areas.area_code,
        groups.placement_group,
        case when areas.has_return then coalesce(counts.n, 0) end as n
    from areas
    cross join groups
    left join counts
        on
            areas.year = counts.year
            and areas.area_code = counts.area_code
            and groups.placement_group = counts.placement_group
)

select
    cast(year as varchar) as year,
    cast(area_code as varchar) as area_code,
    cast(placement_group as varchar) as placement_group,
    cast('count' as varchar) as measure,
    cast(n as decimal(18, 1)) as value,
    cast(case when n is null then '[x]' else '' end as varchar) as note_codes
from cells
