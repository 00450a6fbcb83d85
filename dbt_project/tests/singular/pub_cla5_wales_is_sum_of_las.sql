-- CLA5: ceases are not adjusted for Wales (a transfer out counts in the sending LA and in
-- Wales), so where Wales has figures each of its cells is the sum of the LAs'.
with cells as (
    select year, area_code, ceased_group, value, note_codes
    from {{ ref('pub_cla5') }}
    where measure = 'count'
),

las as (
    select year, ceased_group, sum(value) as sum_of_las
    from cells
    where area_code <> 'W92000004'
    group by year, ceased_group
)

select cells.year, cells.ceased_group, cells.value as wales, las.sum_of_las
from cells
inner join las
    on cells.year = las.year and cells.ceased_group = las.ceased_group
where cells.area_code = 'W92000004' and cells.note_codes = '' and cells.value <> las.sum_of_las
