{#
  One row per child adopted from care during the year (publication.md, Adopted): the
  child's last episode in the year's return (short breaks removed) ended with E11 or E12
  (ceased group `adopted`, by seed). Age in completed years on that date (a 29 February
  birthday falls on 1 March in other years) and its age group, by seed. The dates of the
  adoptions return (decision, placement, order) are added where the LA sent them.
#}
with last_episodes as (
    select
        year,
        la_code,
        child_pid,
        episode_end_date,
        reason_episode_ceased,
        ceased_group,
        row_number() over (
            partition by year, la_code, child_pid order by episode_seq desc
        ) as from_last
    from {{ ref('int_episodes_grouped_into_periods') }}
    where {{ year_filter() }}
),

adopted as (
    select year, la_code, child_pid, episode_end_date as adopted_on, reason_episode_ceased
    from last_episodes
    where
        from_last = 1
        and ceased_group = 'adopted'
        and episode_end_date is not null
),

children as (
    select year, la_code, child_pid, sex, date_of_birth
    from {{ ref('stg_cla__children') }}
    where {{ year_filter() }}
),

adoption_returns as (
    select year, la_code, child_pid, date_decision, date_placed, date_adopted
    from {{ ref('stg_cla__adoptions') }}
    where {{ year_filter() }}
),

age_groups as (
    select age_group, age_from, age_to
    from {{ ref('age_groups') }}
),

aged as (
    select
        adopted.year,
        adopted.la_code,
        adopted.child_pid,
        adopted.adopted_on,
        adopted.reason_episode_ceased,
        children.sex,
        cast({{ age_on('children.date_of_birth', 'adopted.adopted_on') }} as integer) as age_at_adoption
    from adopted
    left join children
        on
            adopted.year = children.year
            and adopted.la_code = children.la_code
            and adopted.child_pid = children.child_pid
)

select
    aged.year,
    aged.la_code,
    aged.child_pid,
    aged.adopted_on,
    aged.reason_episode_ceased,
    aged.sex,
    aged.age_at_adoption,
    age_groups.age_group,
    adoption_returns.date_decision,
    adoption_returns.date_placed,
    adoption_returns.date_adopted
from aged
left join age_groups
    on aged.age_at_adoption between age_groups.age_from and age_groups.age_to
left join adoption_returns
    on
        aged.year = adoption_returns.year
        and aged.la_code = adoption_returns.la_code
        and aged.child_pid = adoption_returns.child_pid
