{{ config(meta={'dagster': {'ref': {'name': 'pub_cla7'}}}) }}
-- CLA7 has the same cells every year (all areas x outcome counts + a percent on each outcome but
-- total), and a value exactly when note_codes is empty: [x] (no return) and [z] (a denominator of
-- 0) cells have no value.
with keys as (
    select dimension, key from {{ ref('dimension_keys') }}
),

cells as (
    select year, value, note_codes from {{ ref('pub_cla7') }}
)

select year, 'cells' as problem, count(*) as n
from cells
group by year
having count(*) <> (select count(*) from {{ ref('dim_local_authority') }}) * ((select 2 * count(*) - 1 from keys where dimension = 'outcome'))
union all
select year, 'value and note_codes disagree' as problem, count(*) as n
from cells
where (value is null) <> (note_codes in ('[x]', '[z]'))
group by year
