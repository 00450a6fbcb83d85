{#
  CLA care leavers of every era in one vocabulary: one row per young person who reached 19
  in the year and was looked after at 16 or over. The flags CLA7 counts: in touch = 'Y'
  only (not N or R, refused); suitable accommodation = 'Y'; in education, training or
  employment from the activity code by seed (F1-F5, P1-P5; not G4-G6 or 0).
#}
with source as (
    select
        year,
        la_code,
        child_pid,
        date_of_birth,
        in_touch,
        accommodation_suitable,
        activity,
        source_line
    from {{ source('raw', 'cla_care_leavers') }}
),

eras as (
    select era, first_year, last_year
    from {{ ref('eras') }}
    where census = 'cla'
),

activity_groups as (
    select code, is_eet
    from {{ ref('cla_care_leaver_activity_groups') }}
)

select
    source.year,
    eras.era,
    source.la_code,
    source.child_pid,
    source.date_of_birth,
    source.in_touch,
    source.accommodation_suitable,
    source.activity,
    coalesce(source.in_touch = 'Y', false) as is_in_touch,
    coalesce(source.accommodation_suitable = 'Y', false) as is_accommodation_suitable,
    coalesce(activity_groups.is_eet, false) as is_eet,
    source.source_line
from source
left join eras
    on source.year between eras.first_year and coalesce(eras.last_year, '9999-99')
left join activity_groups
    on source.activity = activity_groups.code
