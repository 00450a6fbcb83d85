{{ config(meta={'dagster': {'ref': {'name': 'pub_cla2'}}}) }}
-- CLA2 has the same cells every year (all areas x placement-group keys), and a value exactly when
-- note_codes is empty: [x] (no return) and [z] (a denominator of 0) cells have no value.
with keys as (
    select dimension, key from {{ ref('dimension_keys') }}
),

cells as (
    select year, value, note_codes from {{ ref('pub_cla2') }}
)

select year, 'cells' as problem, count(*) as n
from cells
group by year
having count(*) <> (select count(*) from {{ ref('dim_local_authority') }}) * ((select count(*) from keys where dimension = 'placement_group'))
union all
select year, 'value and note_codes disagree' as problem, count(*) as n
from cells
where (value is null) <> (note_codes in ('[x]', '[z]'))
group by year
