{{ config(tags=['crcs']) }}
{#
  CRCS7: health of children receiving care and support at 31 March (publication.md):
  health_item immunisations_up_to_date (children aged 1 and over) and dental_check (aged 5
  and over, a check in the last 12 months) by health_status yes (`Y`), no (`N`), not_recorded
  (empty), and `total` = the eligible children; age on the census date, from the latest
  qualifying plan; unborn children left out. `percent` of the eligible children on yes, no
  and not_recorded, half up to one decimal (exact); [z] when no child is eligible. Cells of an
  LA that did not submit, and every Wales cell of that year, are [x].
#}
with areas as (
    select year, area_code, is_wales, has_return
    from {{ ref('int_crcs_returns_by_area') }}
    where {{ year_filter() }}
),

items as (
    select key as health_item
    from {{ ref('dimension_keys') }}
    where dimension = 'health_item'
),

statuses as (
    select key as health_status
    from {{ ref('dimension_keys') }}
    where dimension = 'health_status'
),

children as (
    select year, la_code, age_at_census, immunisations_up_to_date, dental_check
    from {{ ref('fct_crcs_children_at_census') }}
    where {{ year_filter() }}
),

eligible as (
    select year, la_code, 'immunisations_up_to_date' as health_item, immunisations_up_to_date as answer
    from children
    where age_at_census >= 1
    union all
    select year, la_code, 'dental_check' as health_item, dental_check as answer
    from children
    where age_at_census >= 5
),

answers as (
    select
        year,
        la_code,
        health_item,
        case answer when 'Y' then 'yes' when 'N' then 'no' else 'not_recorded' end as health_status
    from eligible
    union all
    select year, la_code, health_item, 'total' as health_status
    from eligible
),

scoped as (
    select year, la_code as area_code, health_item, health_status
    from answers
    union all
    select answers.year, areas.area_code, answers.health_item, answers.health_status
    from answers
    inner join areas
        on answers.year = areas.year and areas.is_wales
),

counts as (
    select year, area_code, health_item, health_status, count(*) as n
    from scoped
    group by year, area_code, health_item, health_status
),

cells as (
    select
        areas.year,
        areas.area_code,
        items.health_item,
        statuses.health_status,
        areas.has_return,
        coalesce(counts.n, 0) as n,
        coalesce(totals.n, 0) as denominator
    from areas
    cross join items
    cross join statuses
    left join counts
        on
            areas.year = counts.year
            and areas.area_code = counts.area_code
            and items.health_item = counts.health_item
            and statuses.health_status = counts.health_status
    left join counts as totals
        on
            areas.year = totals.year
            and areas.area_code = totals.area_code
            and items.health_item = totals.health_item
            and totals.health_status = 'total'
),

all_cells as (
    select
        year,
        area_code,
        health_item,
        health_status,
        'count' as measure,
        case when has_return then n * 10 end as tenths,
        case when has_return then '' else '[x]' end as note_codes
    from cells
    union all
    select
        year,
        area_code,
        health_item,
        health_status,
        'percent' as measure,
        case when has_return and denominator > 0 then {{ tenths_half_up('n', 'denominator', 100) }} end as tenths,
        case
            when not has_return then '[x]'
            when denominator = 0 then '[z]'
            else ''
        end as note_codes
    from cells
    where health_status <> 'total'
)

select
    cast(year as varchar) as year,
    cast(area_code as varchar) as area_code,
    cast(health_item as varchar) as health_item,
    cast(health_status as varchar) as health_status,
    cast(measure as varchar) as measure,
    {{ tenths_to_value('tenths') }} as value,
    cast(note_codes as varchar) as note_codes
from all_cells
