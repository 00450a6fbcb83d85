{{ config(meta={'dagster': {'ref': {'name': 'pub_cla1'}}}) }}
-- CLA1: in every area and year with figures, the legal-status groups add up to the total.
with cells as (
    select year, area_code, legal_status_group, value
    from {{ ref('pub_cla1') }}
    where measure = 'count' and note_codes = ''
)

select year, area_code,
       sum(case when legal_status_group = 'total' then value end) as total,
       sum(case when legal_status_group <> 'total' then value end) as sum_of_groups
from cells
group by year, area_code
having sum(case when legal_status_group = 'total' then value end)
    <> coalesce(sum(case when legal_status_group <> 'total' then value end), 0)
