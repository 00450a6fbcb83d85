with source as (
    select year, la_code, child_pid, sex, date_of_birth, ethnicity, uasc, source_line
    from {{ source('raw', 'cla_children') }}
),

eras as (
    select era, first_year, last_year
    from {{ ref('eras') }}
    where census = 'cla'
),

sex_groups as (
    select code, sex
    from {{ ref('sex_groups') }}
    where census = 'cla'
)

select
    source.year,
    eras.era,
    source.la_code,
    source.child_pid,
    source.sex as sex_code,
    sex_groups.sex,
    source.date_of_birth,
    source.ethnicity,
    source.uasc,
    source.source_line
from source
left join eras
    on source.year between eras.first_year and coalesce(eras.last_year, '9999-99')
left join sex_groups
    on source.sex = sex_groups.code
