{{ config(tags=['crcs'], meta={'dagster': {'ref': {'name': 'pub_crcs1'}}}) }}
-- CRCS has no transfer rule: every Wales count (where Wales has figures) is the sum of the
-- 22 LAs' counts of the same cell, in CRCS1, CRCS2, CRCS4-CRCS8 and REC1.
with counts as (
    select 'crcs1' as table_id, year, area_code, status as k1, '' as k2, measure, value
    from {{ ref('pub_crcs1') }} where measure = 'count'
    union all
    select 'crcs2', year, area_code, category_of_need, '', measure, value
    from {{ ref('pub_crcs2') }} where measure = 'count'
    union all
    select 'crcs4', year, area_code, disability_type, '', measure, value
    from {{ ref('pub_crcs4') }} where measure = 'count'
    union all
    select 'crcs5', year, area_code, parental_factor, '', measure, value
    from {{ ref('pub_crcs5') }} where measure = 'count'
    union all
    select 'crcs6', year, area_code, factor, '', measure, value
    from {{ ref('pub_crcs6') }} where measure = 'count'
    union all
    select 'crcs7', year, area_code, health_item, health_status, measure, value
    from {{ ref('pub_crcs7') }} where measure = 'count'
    union all
    select 'crcs8', year, area_code, flow, reason_for_closure, measure, value
    from {{ ref('pub_crcs8') }} where measure = 'count'
    union all
    select 'rec1', year, area_code, '', '', measure, value
    from {{ ref('pub_rec1') }}
),

wales as (
    select table_id, year, k1, k2, measure, value
    from counts
    where area_code = 'W92000004' and value is not null
),

las as (
    select table_id, year, k1, k2, measure, sum(value) as value
    from counts
    where area_code <> 'W92000004'
    group by table_id, year, k1, k2, measure
)

select wales.table_id, wales.year, wales.k1, wales.k2, wales.measure, wales.value, las.value as sum_of_las
from wales
left join las
    on
        wales.table_id = las.table_id
        and wales.year = las.year
        and wales.k1 = las.k1
        and wales.k2 = las.k2
        and wales.measure = las.measure
where las.value is null or wales.value <> las.value
