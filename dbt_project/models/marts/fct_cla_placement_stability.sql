{#
  One row per child looked after at 31 March with the number of placements they had during
  the year (publication.md, CLA8). A placement is an episode in the year's return (short
  breaks removed) that is the child's first in the return, starts a period of care, or
  began with a change of placement: reason_new_episode P, T, B or U (by seed; L, a change
  of legal status only, is not a new placement).
#}
with looked_after as (
    select year, la_code, child_pid
    from {{ ref('fct_cla_looked_after_at_census') }}
    where {{ year_filter() }}
),

episodes as (
    select year, la_code, child_pid, episode_seq, is_first_in_period, reason_new_episode
    from {{ ref('fct_cla_episodes') }}
    where {{ year_filter() }}
),

placement_changes as (
    select code, is_placement_change
    from {{ ref('cla_reason_new_episode_groups') }}
),

placements as (
    select
        episodes.year,
        episodes.la_code,
        episodes.child_pid,
        count(*) as placements_in_year
    from episodes
    left join placement_changes
        on episodes.reason_new_episode = placement_changes.code
    where
        episodes.episode_seq = 1
        or episodes.is_first_in_period
        or coalesce(placement_changes.is_placement_change, false)
    group by episodes.year, episodes.la_code, episodes.child_pid
)

select
    looked_after.year,
    looked_after.la_code,
    looked_after.child_pid,
    cast(coalesce(placements.placements_in_year, 0) as integer) as placements_in_year,
    coalesce(placements.placements_in_year, 0) >= 3 as has_3_or_more_placements
from looked_after
left join placements
    on
        looked_after.year = placements.year
        and looked_after.la_code = placements.la_code
        and looked_after.child_pid = placements.child_pid
