-- CLA5: in every area and year with figures, the ceased groups (each child once) add up to the total.
with cells as (
    select year, area_code, ceased_group, value
    from {{ ref('pub_cla5') }}
    where measure = 'count' and note_codes = ''
)

select year, area_code,
       sum(case when ceased_group = 'total' then value end) as total,
       sum(case when ceased_group <> 'total' then value end) as sum_of_groups
from cells
group by year, area_code
having sum(case when ceased_group = 'total' then value end)
    <> coalesce(sum(case when ceased_group <> 'total' then value end), 0)
