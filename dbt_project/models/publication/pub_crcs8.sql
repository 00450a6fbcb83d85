{{ config(tags=['crcs']) }}
{#
  CRCS8: care and support plans during the year (publication.md), all-year era only: plans,
  not children, unborn children left out. flow `started` = plans that started in the year
  (`total` only; `started` x RC1-RC8 is [z]); flow `closed` = plans that closed in the year
  by reason for closure, and `total`. The whole table is [z] before 2023-24 ([z] before [x]).
  Cells of an LA that did not submit, and every Wales cell of that year, are [x].
#}
with areas as (
    select year, era, area_code, is_wales, has_return
    from {{ ref('int_crcs_returns_by_area') }}
    where {{ year_filter() }}
),

flows as (
    select key as flow
    from {{ ref('dimension_keys') }}
    where dimension = 'flow'
),

reasons as (
    select keys.key as reason_for_closure
    from {{ ref('dimension_keys') }} as keys
    where
        keys.dimension = 'reason_for_closure'
        and (
            keys.key = 'total'
            or keys.key in (select codes.code from {{ ref('crcs_reason_for_closure') }} as codes)
        )
),

plans as (
    select year, la_code, 'started' as flow, 'total' as reason_for_closure
    from {{ ref('fct_crcs_plans') }}
    where
        is_started_in_year
        and {{ year_filter() }}
    union all
    select year, la_code, 'closed' as flow, reason_for_closure
    from {{ ref('fct_crcs_plans') }}
    where
        is_closed_in_year
        and {{ year_filter() }}
    union all
    select year, la_code, 'closed' as flow, 'total' as reason_for_closure
    from {{ ref('fct_crcs_plans') }}
    where
        is_closed_in_year
        and {{ year_filter() }}
),

scoped as (
    select year, la_code as area_code, flow, reason_for_closure
    from plans
    union all
    select plans.year, areas.area_code, plans.flow, plans.reason_for_closure
    from plans
    inner join areas
        on plans.year = areas.year and areas.is_wales
),

counts as (
    select year, area_code, flow, reason_for_closure, count(*) as n
    from scoped
    group by year, area_code, flow, reason_for_closure
),

cells as (
    select
        areas.year,
        areas.area_code,
        flows.flow,
        reasons.reason_for_closure,
        areas.has_return,
        areas.era <> 'CRCS_ALL_YEAR'
        or (flows.flow = 'started' and reasons.reason_for_closure <> 'total') as is_not_applicable,
        coalesce(counts.n, 0) as n
    from areas
    cross join flows
    cross join reasons
    left join counts
        on
            areas.year = counts.year
            and areas.area_code = counts.area_code
            and flows.flow = counts.flow
            and reasons.reason_for_closure = counts.reason_for_closure
)

select
    cast(year as varchar) as year,
    cast(area_code as varchar) as area_code,
    cast(flow as varchar) as flow,
    cast(reason_for_closure as varchar) as reason_for_closure,
    cast('count' as varchar) as measure,
    cast(case when has_return and not is_not_applicable then n end as decimal(18, 1)) as value,
    cast(
        case
            when is_not_applicable then '[z]'
            when not has_return then '[x]'
            else ''
        end as varchar
    ) as note_codes
from cells
