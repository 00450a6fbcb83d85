{{ config(tags=['crcs']) }}
{#
  Which areas have CRCS figures in each year (publication.md, Which LAs): one row per year in
  which any LA sent a CRCS (CIN) return, for each of the 22 LAs and Wales, with the year's
  CRCS era. An LA has figures when it sent a return that year; Wales only when every LA did.
  Publication models mark the other cells [x] (or [z] where the table or key does not exist
  in the era).
#}
with returns as (
    select distinct year, la_code
    from {{ ref('stg_crcs__children') }}
    where {{ year_filter() }}
),

years as (
    select distinct year from returns
),

eras as (
    select era, first_year, last_year
    from {{ ref('eras') }}
    where census = 'crcs'
),

areas as (
    select gss_code as area_code, gss_code = 'W92000004' as is_wales
    from {{ ref('local_authorities') }}
),

la_rows as (
    select
        years.year,
        areas.area_code,
        areas.is_wales,
        returns.la_code is not null as has_return
    from years
    cross join areas
    left join returns
        on years.year = returns.year and areas.area_code = returns.la_code
    where not areas.is_wales
),

wales_rows as (
    select
        years.year,
        areas.area_code,
        areas.is_wales,
        coalesce(bool_and(la_rows.has_return), false) as has_return
    from years
    cross join areas
    left join la_rows
        on years.year = la_rows.year
    where areas.is_wales
    group by years.year, areas.area_code, areas.is_wales
),

all_rows as (
    select year, area_code, is_wales, has_return from la_rows
    union all
    select year, area_code, is_wales, has_return from wales_rows
)

select
    all_rows.year,
    eras.era,
    all_rows.area_code,
    all_rows.is_wales,
    all_rows.has_return
from all_rows
left join eras
    on all_rows.year between eras.first_year and coalesce(eras.last_year, '9999-99')
