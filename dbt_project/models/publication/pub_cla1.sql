{#
  CLA1: children looked after at 31 March by local authority and legal-status group, with
  the rate per 10,000 children aged 0-17 on the total rows (publication.md).
  Unrounded: disclosure control is applied when the table is published.
  Cells of an LA that did not submit, and every Wales cell of that year, are [x]; the rate
  is [x] where population_0_17 has no figure for the mid-year before the census date.
#}
with returns as (
    select distinct year, la_code
    from {{ ref('stg_cla__children') }}
    where {{ year_filter() }}
),

years as (
    select distinct year from returns
),

local_authorities as (
    select area_code from {{ ref('dim_local_authority') }}
    where not is_wales
),

groups as (
    select key as legal_status_group
    from {{ ref('dimension_keys') }}
    where dimension = 'legal_status_group'
),

grid as (
    select years.year, local_authorities.area_code, groups.legal_status_group
    from years
    cross join local_authorities
    cross join groups
),

stock as (
    select year, la_code, legal_status_group
    from {{ ref('fct_cla_looked_after_at_census') }}
    where {{ year_filter() }}
),

stock_counts as (
    select year, la_code, legal_status_group, count(*) as n
    from stock
    group by year, la_code, legal_status_group
    union all
    select year, la_code, 'total' as legal_status_group, count(*) as n
    from stock
    group by year, la_code
),

la_cells as (
    select
        grid.year,
        grid.area_code,
        grid.legal_status_group,
        case when returns.la_code is null then null else coalesce(stock_counts.n, 0) end as n
    from grid
    left join returns
        on grid.year = returns.year and grid.area_code = returns.la_code
    left join stock_counts
        on
            grid.year = stock_counts.year
            and grid.area_code = stock_counts.la_code
            and grid.legal_status_group = stock_counts.legal_status_group
),

wales_cells as (
    select
        year,
        'W92000004' as area_code,
        legal_status_group,
        case when count(n) = count(*) then cast(sum(n) as bigint) end as n
    from la_cells
    group by year, legal_status_group
),

cells as (
    select year, area_code, legal_status_group, n from la_cells
    union all
    select year, area_code, legal_status_group, n from wales_cells
),

population as (
    select gss_code, mid_year, population_0_17
    from {{ ref('population_0_17') }}
),

counts as (
    select
        year,
        area_code,
        legal_status_group,
        'count' as measure,
        cast(n as decimal(18, 1)) as value,
        case when n is null then '[x]' else '' end as note_codes
    from cells
),

rate_tenths as (
    select
        cells.year,
        cells.area_code,
        cells.legal_status_group,
        cells.n,
        population.population_0_17,
        case
            when cells.n is not null and population.population_0_17 > 0
                then {{ tenths_half_up('cells.n', 'population.population_0_17', 10000) }}
        end as tenths
    from cells
    left join population
        on
            cells.area_code = population.gss_code
            and cast(substr(cells.year, 1, 4) as integer) = population.mid_year
    where cells.legal_status_group = 'total'
),

rates as (
    select
        year,
        area_code,
        legal_status_group,
        'rate_per_10000' as measure,
        cast(cast(tenths as decimal(18, 1)) / 10 as decimal(18, 1)) as value,
        case when tenths is null then '[x]' else '' end as note_codes
    from rate_tenths
)

select
    cast(year as varchar) as year,
    cast(area_code as varchar) as area_code,
    cast(legal_status_group as varchar) as legal_status_group,
    cast(measure as varchar) as measure,
    cast(value as decimal(18, 1)) as value,
    cast(note_codes as varchar) as note_codes
from counts
union all
select
    cast(year as varchar) as year,
    cast(area_code as varchar) as area_code,
    cast(legal_status_group as varchar) as legal_status_group,
    cast(measure as varchar) as measure,
    cast(value as decimal(18, 1)) as value,
    cast(note_codes as varchar) as note_codes
from rates
