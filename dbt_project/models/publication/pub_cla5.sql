{#
  CLA5: children who ceased to be looked after during the year by reason (ceased group) and
  total (publication.md). A child counts once, by the reason of the last period ceased in
  the year. A transfer out (E3) counts as `transferred` in the sending LA and in Wales.
  Cells of an LA that did not submit, and every Wales cell of that year, are [x].
#}
with areas as (
    select year, area_code, is_wales, has_return
    from {{ ref('int_cla_returns_by_area') }}
    where {{ year_filter() }}
),

groups as (
    select key as ceased_group
    from {{ ref('dimension_keys') }}
    where dimension = 'ceased_group'
),

ceases as (
    select year, la_code, ceased_group
    from {{ ref('fct_cla_ceased') }}
    where
        is_counted
        and {{ year_filter() }}
),

scoped as (
    select ceases.year, ceases.la_code as area_code, ceases.ceased_group
    from ceases
    union all
    select ceases.year, areas.area_code, ceases.ceased_group
    from ceases
    inner join areas
        on ceases.year = areas.year and areas.is_wales
),

counts as (
    select year, area_code, ceased_group, count(*) as n
    from scoped
    group by year, area_code, ceased_group
    union all
    select year, area_code, 'total' as ceased_group, count(*) as n
    from scoped
    group by year, area_code
),

cells as (
    select
        areas.year,
        areas.area_code,
        groups.ceased_group,
        case when areas.has_return then coalesce(counts.n, 0) end as n
    from areas
    cross join groups
    left join counts
        on
            areas.year = counts.year
            and areas.area_code = counts.area_code
            and groups.ceased_group = counts.ceased_group
)

select
    cast(year as varchar) as year,
    cast(area_code as varchar) as area_code,
    cast(ceased_group as varchar) as ceased_group,
    cast('count' as varchar) as measure,
    cast(n as decimal(18, 1)) as value,
    cast(case when n is null then '[x]' else '' end as varchar) as note_codes
from cells
