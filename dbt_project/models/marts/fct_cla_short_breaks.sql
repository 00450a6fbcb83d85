{#
  One row per child who received short breaks during the year (publication.md, CLA9): a
  child with an episode whose legal status is a short-break code (V3, V4, by seed) open at
  any time in the year, i.e. started on or before the census date and not ended before
  1 April. Short breaks are counted here only; every other CLA definition removes them.
#}
with short_breaks as (
    select year, la_code, child_pid, episode_start_date, episode_end_date, legal_status
    from {{ ref('stg_cla__episodes') }}
    where
        is_short_break
        and episode_start_date <= census_date
        and (episode_end_date is null or episode_end_date >= year_start_date)
        and {{ year_filter() }}
)

select
    year,
    la_code,
    child_pid,
    min(episode_start_date) as first_short_break_start,
    cast(count(*) as integer) as short_break_episodes
from short_breaks
group by year, la_code, child_pid
