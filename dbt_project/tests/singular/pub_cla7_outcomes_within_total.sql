-- CLA7: no outcome count exceeds the area's care leavers, and a percentage is there exactly
-- when the total is above 0 ([z] when it is 0).
with cells as (
    select year, area_code, outcome, measure, value, note_codes
    from {{ ref('pub_cla7') }}
),

totals as (
    select year, area_code, value as total
    from cells
    where outcome = 'total' and measure = 'count' and note_codes = ''
)

select cells.year, cells.area_code, cells.outcome, cells.measure, cells.value, cells.note_codes, totals.total
from cells
inner join totals
    on cells.year = totals.year and cells.area_code = totals.area_code
where
    (cells.measure = 'count' and cells.value > totals.total)
    or (cells.measure = 'percent' and totals.total = 0 and cells.note_codes <> '[z]')
    or (cells.measure = 'percent' and totals.total > 0 and (cells.note_codes <> '' or cells.value > 100))
