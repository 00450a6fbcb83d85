-- CLA6: in every area and year with figures, the age groups add up to the total.
with cells as (
    select year, area_code, age_group, value
    from {{ ref('pub_cla6') }}
    where measure = 'count' and note_codes = ''
)

select year, area_code,
       sum(case when age_group = 'total' then value end) as total,
       sum(case when age_group <> 'total' then value end) as sum_of_groups
from cells
group by year, area_code
having sum(case when age_group = 'total' then value end)
    <> coalesce(sum(case when age_group <> 'total' then value end), 0)
