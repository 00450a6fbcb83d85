{{ config(tags=['crcs']) }}
{#
  CRCS1: children receiving care and support at 31 March by local authority and status
  (publication.md): looked after, else on the child protection register, else neither; total
  with the rate per 10,000 children aged 0-17 (population of the mid-year before the census
  date, half up to one decimal, exact). Unborn children are the key `unborn`: counted, outside
  `total`, no rate. Unrounded. Cells of an LA that did not submit, and every Wales cell of
  that year, are [x]; the rate is [x] where population_0_17 has no figure.
#}
with areas as (
    select year, area_code, is_wales, has_return
    from {{ ref('int_crcs_returns_by_area') }}
    where {{ year_filter() }}
),

statuses as (
    select key as status
    from {{ ref('dimension_keys') }}
    where dimension = 'status'
),

children as (
    select year, la_code, status
    from {{ ref('fct_crcs_children_at_census') }}
    where {{ year_filter() }}
    union all
    select year, la_code, 'total' as status
    from {{ ref('fct_crcs_children_at_census') }}
    where {{ year_filter() }}
    union all
    select year, la_code, 'unborn' as status
    from {{ ref('fct_crcs_unborn_at_census') }}
    where {{ year_filter() }}
),

scoped as (
    select year, la_code as area_code, status
    from children
    union all
    select children.year, areas.area_code, children.status
    from children
    inner join areas
        on children.year = areas.year and areas.is_wales
),

counts as (
    select year, area_code, status, count(*) as n
    from scoped
    group by year, area_code, status
),

cells as (
    select
        areas.year,
        areas.area_code,
        statuses.status,
        case when areas.has_return then coalesce(counts.n, 0) end as n
    from areas
    cross join statuses
    left join counts
        on
            areas.year = counts.year
            and areas.area_code = counts.area_code
            and statuses.status = counts.status
),

population as (
    select gss_code, mid_year, population_0_17
    from {{ ref('population_0_17') }}
),

count_cells as (
    select
        year,
        area_code,
        status,
        'count' as measure,
        n * 10 as tenths,
        case when n is null then '[x]' else '' end as note_codes
    from cells
),

rate_cells as (
    select
        cells.year,
        cells.area_code,
        cells.status,
        'rate_per_10000' as measure,
        case
            when cells.n is not null and population.population_0_17 > 0
                then {{ tenths_half_up('cells.n', 'population.population_0_17', 10000) }}
        end as tenths,
        case
            when cells.n is not null and population.population_0_17 > 0 then ''
            else '[x]'
        end as note_codes
    from cells
    left join population
        on
            cells.area_code = population.gss_code
            and cast(substr(cells.year, 1, 4) as integer) = population.mid_year
    where cells.status = 'total'
),

all_cells as (
    select year, area_code, status, measure, tenths, note_codes from count_cells
    union all
    select year, area_code, status, measure, tenths, note_codes from rate_cells
)

select
    cast(year as varchar) as year,
    cast(area_code as varchar) as area_code,
    cast(status as varchar) as status,
    cast(measure as varchar) as measure,
    {{ tenths_to_value('tenths') }} as value,
    cast(note_codes as varchar) as note_codes
from all_cells
