{#
  One row per episode of care (short breaks removed), with its period and what the
  census-date rule says: open on the census date = started on or before it with no end
  date in the year's return; looked after at 31 March = open and under 18 on that date.
#}
with episodes as (
    select
        year,
        la_code,
        child_pid,
        episode_seq,
        period_seq,
        is_first_in_period,
        is_last_in_period,
        period_start_date,
        period_started_in_year,
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
        census_date
    from {{ ref('int_episodes_grouped_into_periods') }}
    where {{ year_filter() }}
),

children as (
    select year, la_code, child_pid, sex, date_of_birth
    from {{ ref('stg_cla__children') }}
    where {{ year_filter() }}
),

joined as (
    select
        episodes.*,
        children.sex,
        {{ age_on('children.date_of_birth', 'episodes.census_date') }} as age_at_census,
        {{ age_on('children.date_of_birth', 'episodes.episode_start_date') }} as age_at_episode_start,
        episodes.episode_start_date <= episodes.census_date
        and episodes.episode_end_date is null as is_open_at_census
    from episodes
    left join children
        on
            episodes.year = children.year
            and episodes.la_code = children.la_code
            and episodes.child_pid = children.child_pid
)

select
    year,
    la_code,
    child_pid,
    episode_seq,
    period_seq,
    is_first_in_period,
    is_last_in_period,
    period_start_date,
    period_started_in_year,
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
    sex,
    cast(age_at_census as integer) as age_at_census,
    cast(age_at_episode_start as integer) as age_at_episode_start,
    is_open_at_census,
    coalesce(is_open_at_census and age_at_census < 18, false) as is_looked_after_at_census
from joined
