{{ config(meta={'dagster': {'ref': {'name': 'pub_cla3'}}}) }}
-- CLA3 (Wales only): each sex's age groups add up to its total, each age group's sexes add up
-- to its total, and the grand total is CLA1's Wales total of children looked after.
with cells as (
    select year, sex, age_group, value
    from {{ ref('pub_cla3') }}
    where measure = 'count' and note_codes = ''
),

by_sex as (
    select year, sex,
           sum(case when age_group = 'total' then value end) as total,
           sum(case when age_group <> 'total' then value end) as parts
    from cells
    group by year, sex
),

by_age as (
    select year, age_group,
           sum(case when sex = 'total' then value end) as total,
           sum(case when sex <> 'total' then value end) as parts
    from cells
    group by year, age_group
),

cla1 as (
    select year, value
    from {{ ref('pub_cla1') }}
    where area_code = 'W92000004' and legal_status_group = 'total' and measure = 'count' and note_codes = ''
)

select year, 'sex ' || sex as what, total, parts from by_sex where total <> coalesce(parts, 0)
union all
select year, 'age ' || age_group as what, total, parts from by_age where total <> coalesce(parts, 0)
union all
select cells.year, 'cla1 total' as what, cells.value as total, cla1.value as parts
from cells
left join cla1 on cells.year = cla1.year
where cells.sex = 'total' and cells.age_group = 'total' and cells.value is distinct from cla1.value
