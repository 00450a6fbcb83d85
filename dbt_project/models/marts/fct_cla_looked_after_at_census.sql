{#
  One row per child looked after at 31 March (publication.md): an episode that started on or
  before the census date with no end date in the year's return, short breaks removed, the
  child under 18 on the census date. Legal status and placement are those of that episode;
  if a return holds two open episodes for one child, the later-starting one is used.
#}
with open_episodes as (
    select
        year,
        la_code,
        child_pid,
        legal_status,
        legal_status_group,
        placement_type,
        placement_group,
        sex,
        age_at_census,
        period_start_date,
        episode_start_date,
        row_number() over (
            partition by year, la_code, child_pid order by episode_start_date desc, episode_seq desc
        ) as pick
    from {{ ref('fct_cla_episodes') }}
    where
        is_looked_after_at_census
        and {{ year_filter() }}
)

select
    year,
    la_code,
    child_pid,
    legal_status,
    legal_status_group,
    placement_type,
    placement_group,
    sex,
    age_at_census,
    period_start_date,
    episode_start_date
from open_episodes
where pick = 1
