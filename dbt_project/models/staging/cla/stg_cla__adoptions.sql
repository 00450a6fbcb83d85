{#
  CLA adoptions of every era in one vocabulary: one row per child with an adoption decision,
  placement or order dated in the year (SSDA903 DATE_INT, DATE_MATCH, DATE_ADOPTED are
  renamed on ingest). Used to describe the adoptions counted in CLA6, which come from the
  episodes (a last episode ending E11 or E12).
#}
with source as (
    select year, la_code, child_pid, date_decision, date_placed, date_adopted, source_line
    from {{ source('raw', 'cla_adoptions') }}
),

eras as (
    select era, first_year, last_year
    from {{ ref('eras') }}
    where census = 'cla'
)

select
    source.year,
    eras.era,
    source.la_code,
    source.child_pid,
    source.date_decision,
    source.date_placed,
    source.date_adopted,
    source.source_line
from source
left join eras
    on source.year between eras.first_year and coalesce(eras.last_year, '9999-99')
