-- CLA4: Wales leaves out transfers in between Welsh LAs, so where Wales has figures its total
-- is at most the sum of the LAs' totals.
with totals as (
    select year, area_code, value, note_codes
    from {{ ref('pub_cla4') }}
    where measure = 'count' and category_of_need = 'total'
)

select wales.year, wales.value as wales, sum(las.value) as sum_of_las
from totals as wales
inner join totals as las
    on wales.year = las.year and las.area_code <> 'W92000004'
where wales.area_code = 'W92000004' and wales.note_codes = ''
group by wales.year, wales.value
having wales.value > sum(las.value)
