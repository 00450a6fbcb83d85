{#
  One row per period of care in a year's return (short breaks removed), with what the flow
  tables need (publication.md, Started / ceased during the year, Transfers):
  - the first episode's reason, legal status, placement, category of need and
    transferred_from_la (a transfer in: CLA era, an S episode that names the sending LA);
  - the last episode's end date and reason;
  - started_in_year: the period's first episode starts on or after 1 April. A return's
    first episode that starts on 1 April with a reason other than S is not a start: it
    continues a period whose previous episode ended (X1) on 31 March, in last year's return;
  - ceased_in_year: the last episode ends in the year with a reason other than X1;
  - the child's sex and age in completed years at the start and at the end.
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
        legal_status_group,
        category_of_need,
        placement_group,
        reason_episode_ceased,
        ceased_group,
        transferred_from_la,
        year_start_date,
        census_date
    from {{ ref('int_episodes_grouped_into_periods') }}
    where {{ year_filter() }}
),

children as (
    select year, la_code, child_pid, sex, date_of_birth
    from {{ ref('stg_cla__children') }}
    where {{ year_filter() }}
),

first_episodes as (
    select
        year,
        la_code,
        child_pid,
        period_seq,
        episode_seq,
        period_start_date,
        period_started_in_year,
        reason_new_episode,
        legal_status_group,
        category_of_need,
        placement_group,
        transferred_from_la,
        year_start_date,
        census_date
    from episodes
    where is_first_in_period
),

last_episodes as (
    select
        year,
        la_code,
        child_pid,
        period_seq,
        episode_end_date,
        reason_episode_ceased,
        ceased_group
    from episodes
    where is_last_in_period
),

periods as (
    select
        first_episodes.year,
        first_episodes.la_code,
        first_episodes.child_pid,
        first_episodes.period_seq,
        first_episodes.period_start_date,
        last_episodes.episode_end_date as period_end_date,
        first_episodes.reason_new_episode,
        first_episodes.legal_status_group,
        first_episodes.category_of_need,
        first_episodes.placement_group,
        first_episodes.transferred_from_la,
        first_episodes.transferred_from_la is not null as is_transfer_in,
        first_episodes.period_started_in_year
        and not (
            first_episodes.episode_seq = 1
            and first_episodes.reason_new_episode <> 'S'
            and first_episodes.period_start_date = first_episodes.year_start_date
        ) as started_in_year,
        last_episodes.reason_episode_ceased,
        last_episodes.ceased_group,
        coalesce(
            last_episodes.episode_end_date between first_episodes.year_start_date and first_episodes.census_date
            and last_episodes.reason_episode_ceased <> 'X1',
            false
        ) as ceased_in_year
    from first_episodes
    inner join last_episodes
        on
            first_episodes.year = last_episodes.year
            and first_episodes.la_code = last_episodes.la_code
            and first_episodes.child_pid = last_episodes.child_pid
            and first_episodes.period_seq = last_episodes.period_seq
)

select
    periods.year,
    periods.la_code,
    periods.child_pid,
    periods.period_seq,
    periods.period_start_date,
    periods.period_end_date,
    periods.reason_new_episode,
    periods.legal_status_group,
    periods.category_of_need,
    periods.placement_group,
    periods.transferred_from_la,
    periods.is_transfer_in,
    periods.started_in_year,
    periods.reason_episode_ceased,
    periods.ceased_group,
    periods.ceased_in_year,
    children.sex,
    cast({{ age_on('children.date_of_birth', 'periods.period_start_date') }} as integer) as age_at_start,
    cast({{ age_on('children.date_of_birth', 'periods.period_end_date') }} as integer) as age_at_end
from periods
left join children
    on
        periods.year = children.year
        and periods.la_code = children.la_code
        and periods.child_pid = children.child_pid
