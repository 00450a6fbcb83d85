{{ config(meta={'dagster': {'ref': {'name': 'pub_cla8'}}}) }}
-- CLA8's total is CLA1's total (children looked after at 31 March), and 3_or_more is at most it.
with cla8 as (
    select
        year,
        area_code,
        max(case when placements = 'total' and measure = 'count' then value end) as total,
        max(case when placements = '3_or_more' and measure = 'count' then value end) as three_or_more,
        max(case when placements = 'total' and measure = 'count' then note_codes end) as note_codes
    from {{ ref('pub_cla8') }}
    group by year, area_code
),

cla1 as (
    select year, area_code, value, note_codes
    from {{ ref('pub_cla1') }}
    where legal_status_group = 'total' and measure = 'count'
)

select cla8.year, cla8.area_code, cla8.total, cla8.three_or_more, cla1.value as cla1_total
from cla8
full outer join cla1
    on cla8.year = cla1.year and cla8.area_code = cla1.area_code
where
    cla8.total is distinct from cla1.value
    or cla8.note_codes is distinct from cla1.note_codes
    or cla8.three_or_more > cla8.total
