{{ config(tags=['crcs'], meta={'dagster': {'ref': {'name': 'pub_rec1'}}}) }}
-- REC1 crcs_count is CRCS1 looked_after, cla_count CLA1 total, and difference = crcs - cla,
-- wherever REC1 has figures. With no CLA1 yet (a CRCS build on a fresh warehouse) REC1 has none.
with rec1 as (
    select
        year,
        area_code,
        max(value) filter (where measure = 'crcs_count') as crcs_count,
        max(value) filter (where measure = 'cla_count') as cla_count,
        max(value) filter (where measure = 'difference') as difference
    from {{ ref('pub_rec1') }}
    group by year, area_code
)

select rec1.year, rec1.area_code
from rec1
left join {{ ref('pub_crcs1') }} as crcs1
    on
        rec1.year = crcs1.year
        and rec1.area_code = crcs1.area_code
        and crcs1.status = 'looked_after'
        and crcs1.measure = 'count'
left join {{ existing_or_empty(ref('pub_cla1'), {
        'year': 'varchar', 'area_code': 'varchar', 'legal_status_group': 'varchar',
        'measure': 'varchar', 'value': 'decimal(18, 1)'}) }} as cla1
    on
        rec1.year = cla1.year
        and rec1.area_code = cla1.area_code
        and cla1.legal_status_group = 'total'
        and cla1.measure = 'count'
where
    rec1.crcs_count is not null
    and (
        rec1.crcs_count is distinct from crcs1.value
        or rec1.cla_count is distinct from cla1.value
        or rec1.difference <> rec1.crcs_count - rec1.cla_count
    )
