{#
  One row per care leaver (a young person who reached 19 in the year and was looked after
  at 16 or over, as listed in the LA's care_leavers return), with the CLA7 outcomes: in
  touch (Y only), in suitable accommodation (Y), in education, training or employment.
  Distinct children: a child listed twice counts once, with any Y.
#}
with care_leavers as (
    select year, la_code, child_pid, is_in_touch, is_accommodation_suitable, is_eet
    from {{ ref('stg_cla__care_leavers') }}
    where {{ year_filter() }}
)

select
    year,
    la_code,
    child_pid,
    bool_or(is_in_touch) as is_in_touch,
    bool_or(is_accommodation_suitable) as is_accommodation_suitable,
    bool_or(is_eet) as is_eet
from care_leavers
group by year, la_code, child_pid
