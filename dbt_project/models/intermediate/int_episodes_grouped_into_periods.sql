{#
  Episodes grouped into periods of care, per year's return, LA and child (publication.md):
  short-break episodes (V3, V4) are removed first; a period starts with the child's first
  remaining episode in the return, an 'S' episode, or an episode that does not follow an
  'X1' end on the same or the next day; it ends with the first episode whose reason
  ceased is not X1.
#}
with episodes as (
    select
        year,
        la_code,
        child_pid,
        episode_start_date,
        episode_end_date,
        reason_new_episode,
        legal_status,
        legal_status_group,
        category_of_need,
        placement_type,
        placement_group,
        placement_la,
        reason_episode_ceased,
        ceased_group,
        transferred_from_la,
        year_start_date,
        census_date,
        source_line
    from {{ ref('stg_cla__episodes') }}
    where
        not is_short_break
        and {{ year_filter() }}
),

ordered as (
    select
        *,
        row_number() over (
            partition by year, la_code, child_pid order by episode_start_date, source_line
        ) as episode_seq,
        lag(episode_end_date) over (
            partition by year, la_code, child_pid order by episode_start_date, source_line
        ) as previous_end_date,
        lag(reason_episode_ceased) over (
            partition by year, la_code, child_pid order by episode_start_date, source_line
        ) as previous_reason_ceased
    from episodes
),

flagged as (
    select
        *,
        case
            when episode_seq = 1 then true
            when reason_new_episode = 'S' then true
            when previous_end_date is null then false
            when previous_reason_ceased <> 'X1' then true
            when episode_start_date > previous_end_date + 1 then true
            else false
        end as starts_period
    from ordered
),

numbered as (
    select
        *,
        sum(case when starts_period then 1 else 0 end) over (
            partition by year, la_code, child_pid order by episode_seq
            rows between unbounded preceding and current row
        ) as period_seq
    from flagged
),

bounds as (
    select
        *,
        min(episode_start_date) over (partition by year, la_code, child_pid, period_seq) as period_start_date,
        max(episode_seq) over (partition by year, la_code, child_pid, period_seq) as last_episode_seq_in_period
    from numbered
)

select
    year,
    la_code,
    child_pid,
    episode_seq,
    period_seq,
    starts_period as is_first_in_period,
    episode_seq = last_episode_seq_in_period as is_last_in_period,
    period_start_date,
    period_start_date >= year_start_date as period_started_in_year,
    episode_start_date,
    episode_end_date,
    reason_new_episode,
    legal_status,
    legal_status_group,
    category_of_need,
    placement_type,
    placement_group,
    placement_la,
    reason_episode_ceased,
    ceased_group,
    transferred_from_la,
    year_start_date,
    census_date,
    source_line
from bounds
