{{ config(meta={'dagster': {'ref': {'name': 'pub_cla4'}}}) }}
-- CLA4 has the same cells every year (all areas x (CLA categories of need N1-N8 + total)), and a
-- value exactly when note_codes is empty: [x] (no return) and [z] (a denominator of 0) cells have
-- no value.
with keys as (
    select dimension, key from {{ ref('dimension_keys') }}
),

cells as (
    select year, value, note_codes from {{ ref('pub_cla4') }}
)

select year, 'cells' as problem, count(*) as n
from cells
group by year
having count(*) <> (select count(*) from {{ ref('dim_local_authority') }}) * ((select count(*) from keys where dimension = 'category_of_need' and (key = 'total' or key in (select code from {{ ref('cla_category_of_need') }}))))
union all
select year, 'value and note_codes disagree' as problem, count(*) as n
from cells
where (value is null) <> (note_codes in ('[x]', '[z]'))
group by year
