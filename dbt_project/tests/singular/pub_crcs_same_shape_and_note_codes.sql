{{ config(tags=['crcs'], meta={'dagster': {'ref': {'name': 'pub_crcs1'}}}) }}
-- Every CRCS table and REC1 has the same cells every year (all areas, or Wales for CRCS3, x
-- every key combination x the measures of each key), and a value exactly when note_codes is
-- empty: [x] (no return) and [z] (not applicable, or a denominator of 0) cells have no value.
with keys as (
    select dimension, key from {{ ref('dimension_keys') }}
),

n_keys as (
    select
        (select count(*) from keys where dimension = 'status') as status,
        (
            select count(*) from keys
            where
                dimension = 'category_of_need'
                and (key = 'total' or key in (select code from {{ ref('crcs_category_of_need') }}))
        ) as category_of_need,
        (select count(*) from keys where dimension = 'sex') as sex,
        (select count(*) from keys where dimension = 'age_group') as age_group,
        (select count(*) from keys where dimension = 'disability_type') as disability_type,
        (select count(*) from keys where dimension = 'parental_factor') as parental_factor,
        (select count(*) from keys where dimension = 'factor') as factor,
        (select count(*) from keys where dimension = 'health_item') as health_item,
        (select count(*) from keys where dimension = 'health_status') as health_status,
        (select count(*) from keys where dimension = 'flow') as flow,
        (select count(*) from keys where dimension = 'reason_for_closure') as reason_for_closure,
        (select count(*) from {{ ref('dim_local_authority') }}) as areas
),

expected as (
    select 'crcs1' as table_id, areas * (status + 1) as n from n_keys
    union all
    select 'crcs2', areas * (2 * category_of_need - 1) from n_keys
    union all
    select 'crcs3', sex * age_group from n_keys
    union all
    select 'crcs4', areas * 2 * disability_type from n_keys
    union all
    select 'crcs5', areas * 2 * parental_factor from n_keys
    union all
    select 'crcs6', areas * 2 * factor from n_keys
    union all
    select 'crcs7', areas * health_item * (2 * health_status - 1) from n_keys
    union all
    select 'crcs8', areas * flow * reason_for_closure from n_keys
    union all
    select 'rec1', areas * 3 from n_keys
),

cells as (
    select 'crcs1' as table_id, year, value, note_codes from {{ ref('pub_crcs1') }}
    union all
    select 'crcs2', year, value, note_codes from {{ ref('pub_crcs2') }}
    union all
    select 'crcs3', year, value, note_codes from {{ ref('pub_crcs3') }}
    union all
    select 'crcs4', year, value, note_codes from {{ ref('pub_crcs4') }}
    union all
    select 'crcs5', year, value, note_codes from {{ ref('pub_crcs5') }}
    union all
    select 'crcs6', year, value, note_codes from {{ ref('pub_crcs6') }}
    union all
    select 'crcs7', year, value, note_codes from {{ ref('pub_crcs7') }}
    union all
    select 'crcs8', year, value, note_codes from {{ ref('pub_crcs8') }}
    union all
    select 'rec1', year, value, note_codes from {{ ref('pub_rec1') }}
),

shape as (
    select table_id, year, count(*) as n
    from cells
    group by table_id, year
)

select shape.table_id, shape.year, 'cells' as problem, shape.n
from shape
inner join expected
    on shape.table_id = expected.table_id
where shape.n <> expected.n
union all
select table_id, year, 'value and note_codes disagree' as problem, count(*) as n
from cells
where (value is null) <> (note_codes in ('[x]', '[z]'))
group by table_id, year
union all
select table_id, year, 'a year without every table' as problem, count(*) as n
from (
    select years.year, expected.table_id
    from (select distinct year from cells) as years
    cross join expected
) as wanted
where not exists (select 1 from shape where shape.table_id = wanted.table_id and shape.year = wanted.year)
group by table_id, year
