-- CLA4: in every area and year with figures, the categories of need (each child once) add up to the total.
with cells as (
    select year, area_code, category_of_need, value
    from {{ ref('pub_cla4') }}
    where measure = 'count' and note_codes = ''
)

select year, area_code,
       sum(case when category_of_need = 'total' then value end) as total,
       sum(case when category_of_need <> 'total' then value end) as sum_of_groups
from cells
group by year, area_code
having sum(case when category_of_need = 'total' then value end)
    <> coalesce(sum(case when category_of_need <> 'total' then value end), 0)
