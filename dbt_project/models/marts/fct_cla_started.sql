{#
  One row per period of care that started in the year (publication.md, Started during the
  year; Transfers). A child is counted once per area:
  - in the LA's row by the first period started in the year (a transfer in counts);
  - in the Wales row by the first period started in the year that is not a transfer in,
    so a child transferred between Welsh LAs is not a new start for Wales unless they
    have a later, genuine start in the same year.
  Characteristics come from that period's first episode.
#}
with periods as (
    select
        year,
        la_code,
        child_pid,
        period_seq,
        period_start_date,
        reason_new_episode,
        legal_status_group,
        category_of_need,
        placement_group,
        transferred_from_la,
        is_transfer_in,
        sex,
        age_at_start
    from {{ ref('int_cla_periods') }}
    where
        started_in_year
        and {{ year_filter() }}
),

ranked as (
    select
        *,
        min(period_seq) over (partition by year, la_code, child_pid) as first_start_seq,
        min(case when not is_transfer_in then period_seq end) over (
            partition by year, la_code, child_pid
        ) as first_genuine_start_seq
    from periods
)

select
    year,
    la_code,
    child_pid,
    period_seq,
    period_start_date,
    reason_new_episode,
    legal_status_group,
    category_of_need,
    placement_group,
    transferred_from_la,
    is_transfer_in,
    sex,
    age_at_start,
    period_seq = first_start_seq as is_counted_for_la,
    coalesce(period_seq = first_genuine_start_seq, false) as is_counted_for_wales
from ranked
