{{ config(meta={'dagster': {'ref': {'name': 'pub_cla2'}}}) }}
-- CLA2 and CLA1 count the same children looked after at 31 March: their totals agree in every cell.
with cla2 as (
    select year, area_code, value, note_codes
    from {{ ref('pub_cla2') }}
    where placement_group = 'total' and measure = 'count'
),

cla1 as (
    select year, area_code, value, note_codes
    from {{ ref('pub_cla1') }}
    where legal_status_group = 'total' and measure = 'count'
)

select cla2.year, cla2.area_code, cla2.value as cla2_total, cla1.value as cla1_total
from cla2
full outer join cla1
    on cla2.year = cla1.year and cla2.area_code = cla1.area_code
where cla2.value is distinct from cla1.value or cla2.note_codes is distinct from cla1.note_codes
