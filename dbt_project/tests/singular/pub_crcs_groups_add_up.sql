{{ config(tags=['crcs'], meta={'dagster': {'ref': {'name': 'pub_crcs2'}}}) }}
-- Counts that must add up, per year and area with figures:
-- CRCS1 looked_after + child_protection_register + neither = total;
-- CRCS2 N1-N9 add up to total, and total = CRCS1 total;
-- CRCS3 (Wales) total x total = CRCS1 Wales total, and each sex's age groups add up to its total;
-- CRCS4, CRCS5, CRCS6: every key <= total (any) <= CRCS1 total;
-- CRCS7 yes + no + not_recorded = total (eligible) <= CRCS1 total;
-- CRCS8 closed RC1-RC8 add up to closed total.
with crcs1 as (
    select year, area_code, status, value from {{ ref('pub_crcs1') }}
    where measure = 'count' and value is not null
),

crcs1_total as (
    select year, area_code, value from crcs1 where status = 'total'
),

problems as (
    select 'crcs1' as table_id, year, area_code
    from crcs1
    group by year, area_code
    having
        sum(value) filter (where status in ('looked_after', 'child_protection_register', 'neither'))
        <> sum(value) filter (where status = 'total')
    union all
    select 'crcs2', crcs2.year, crcs2.area_code
    from {{ ref('pub_crcs2') }} as crcs2
    inner join crcs1_total
        on crcs2.year = crcs1_total.year and crcs2.area_code = crcs1_total.area_code
    where crcs2.measure = 'count' and crcs2.value is not null
    group by crcs2.year, crcs2.area_code
    having
        sum(crcs2.value) filter (where crcs2.category_of_need <> 'total')
        <> sum(crcs2.value) filter (where crcs2.category_of_need = 'total')
        or sum(crcs2.value) filter (where crcs2.category_of_need = 'total') <> max(crcs1_total.value)
    union all
    select 'crcs3', crcs3.year, crcs3.area_code
    from {{ ref('pub_crcs3') }} as crcs3
    inner join crcs1_total
        on crcs3.year = crcs1_total.year and crcs3.area_code = crcs1_total.area_code
    where crcs3.value is not null
    group by crcs3.year, crcs3.area_code, crcs3.sex
    having
        sum(crcs3.value) filter (where crcs3.age_group <> 'total')
        <> sum(crcs3.value) filter (where crcs3.age_group = 'total')
        or (crcs3.sex = 'total' and sum(crcs3.value) filter (where crcs3.age_group = 'total') <> max(crcs1_total.value))
    union all
    select table_id, keyed.year, keyed.area_code
    from (
        select 'crcs4' as table_id, year, area_code, disability_type as key, value
        from {{ ref('pub_crcs4') }} where measure = 'count' and value is not null
        union all
        select 'crcs5', year, area_code, parental_factor, value
        from {{ ref('pub_crcs5') }} where measure = 'count' and value is not null
        union all
        select 'crcs6', year, area_code, factor, value
        from {{ ref('pub_crcs6') }} where measure = 'count' and value is not null
    ) as keyed
    inner join crcs1_total
        on keyed.year = crcs1_total.year and keyed.area_code = crcs1_total.area_code
    group by table_id, keyed.year, keyed.area_code
    having
        max(keyed.value) filter (where keyed.key <> 'total') > max(keyed.value) filter (where keyed.key = 'total')
        or max(keyed.value) filter (where keyed.key = 'total') > max(crcs1_total.value)
    union all
    select 'crcs7', crcs7.year, crcs7.area_code
    from {{ ref('pub_crcs7') }} as crcs7
    inner join crcs1_total
        on crcs7.year = crcs1_total.year and crcs7.area_code = crcs1_total.area_code
    where crcs7.measure = 'count' and crcs7.value is not null
    group by crcs7.year, crcs7.area_code, crcs7.health_item
    having
        sum(crcs7.value) filter (where crcs7.health_status <> 'total')
        <> sum(crcs7.value) filter (where crcs7.health_status = 'total')
        or sum(crcs7.value) filter (where crcs7.health_status = 'total') > max(crcs1_total.value)
    union all
    select 'crcs8', year, area_code
    from {{ ref('pub_crcs8') }}
    where flow = 'closed' and value is not null
    group by year, area_code
    having
        sum(value) filter (where reason_for_closure <> 'total')
        <> sum(value) filter (where reason_for_closure = 'total')
)

select table_id, year, area_code from problems
