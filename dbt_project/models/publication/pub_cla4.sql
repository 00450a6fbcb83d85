{#
  CLA4: children who started to be looked after during the year by category of need
  (N1-N8) and total (publication.md). A child counts once, with the category of need of
  the first episode of their first period started in the year. Wales excludes transfers
  in: a child whose start is a transfer from another Welsh LA (CLA era) counts in the
  receiving LA's row, and in Wales only if they have a later, genuine start in the year,
  with that start's category. Cells of an LA that did not submit, and every Wales cell
  of that year, are [x].
#}
with areas as (
    select year, area_code, is_wales, has_return
    from {{ ref('int_cla_returns_by_area') }}
    where {{ year_filter() }}
),

categories as (
    select keys.key as category_of_need
    from {{ ref('dimension_keys') }} as keys
    where
        keys.dimension = 'category_of_need'
        and (
            keys.key = 'total'
            or keys.key in (select codes.code from {{ ref('cla_category_of_need') }} as codes)
        )
),

starts as (
    select year, la_code, category_of_need, is_counted_for_la, is_counted_for_wales
    from {{ ref('fct_cla_started') }}
    where {{ year_filter() }}
),

scoped as (
    select starts.year, starts.la_code as area_code, starts.category_of_need
    from starts
    where starts.is_counted_for_la
    union all
    select starts.year, areas.area_code, starts.category_of_need
    from starts
    inner join areas
        on starts.year = areas.year and areas.is_wales
    where starts.is_counted_for_wales
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
        case when areas.has_return then coalesce(counts.n, 0) end as n
    from areas
    cross join categories
    left join counts
        on
            areas.year = counts.year
            and areas.area_code = counts.area_code
            and categories.category_of_need = counts.category_of_need
)

select
    cast(year as varchar) as year,
    cast(area_code as varchar) as area_code,
    cast(category_of_need as varchar) as category_of_need,
    cast('count' as varchar) as measure,
    cast(n as decimal(18, 1)) as value,
    cast(case when n is null then '[x]' else '' end as varchar) as note_codes
from cells
