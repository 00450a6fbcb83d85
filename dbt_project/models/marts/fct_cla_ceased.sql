{#
  One row per period of care that ceased in the year (publication.md, Ceased during the
  year): the period's last episode ended in the year with a reason other than X1. A child
  is counted once, by the last period ceased in the year, in its LA's row and in Wales.
  A transfer out (E3) counts as `transferred` in the sending LA and in Wales, because the
  return does not say where the child went.
#}
with periods as (
    select
        year,
        la_code,
        child_pid,
        period_seq,
        period_start_date,
        period_end_date,
        category_of_need,
        reason_episode_ceased,
        ceased_group,
        sex,
        age_at_end
    from {{ ref('int_cla_periods') }}
    where
        ceased_in_year
        and {{ year_filter() }}
),

ranked as (
    select
        *,
        max(period_seq) over (partition by year, la_code, child_pid) as last_cease_seq
    from periods
)

select
    year,
    la_code,
    child_pid,
    period_seq,
    period_start_date,
    period_end_date,
    category_of_need,
    reason_episode_ceased,
    ceased_group,
    sex,
    age_at_end,
    period_seq = last_cease_seq as is_counted
from ranked
