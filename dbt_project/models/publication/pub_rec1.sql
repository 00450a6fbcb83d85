{{ config(tags=['crcs']) }}
-- depends_on: {{ ref('pub_cla1') }}
{#
  REC1: reconciliation of looked-after children at 31 March, CRCS vs CLA (publication.md):
  `crcs_count` = CRCS1 looked_after, `cla_count` = CLA1 total, `difference` = crcs - cla, for
  each year with CRCS returns. The CRCS start rule (plan started by 1 January) makes
  crcs_count lower for children who came into care after 1 January. All three cells of an
  area are [x] where either return is missing (so every Wales cell unless all 22 LAs sent
  both). Reads the published CLA1 and CRCS1 tables; unrounded.
#}
with areas as (
    select year, area_code
    from {{ ref('int_crcs_returns_by_area') }}
    where {{ year_filter() }}
),

crcs as (
    select year, area_code, value
    from {{ ref('pub_crcs1') }}
    where
        status = 'looked_after'
        and measure = 'count'
        and {{ year_filter() }}
),

{# With no CLA1 yet (a CRCS build on a fresh data folder) every REC1 cell is [x], as for a missing
    CLA return, rather than a failed build. #}
cla as (
    select year, area_code, value
    from
        {{ existing_or_empty(ref('pub_cla1'), {
            'year': 'varchar', 'area_code': 'varchar', 'legal_status_group': 'varchar',
            'measure': 'varchar', 'value': 'decimal(18, 1)'}) }} as cla1
    where
        legal_status_group = 'total'
        and measure = 'count'
        and {{ year_filter() }}
),

pairs as (
    select
        areas.year,
        areas.area_code,
        crcs.value as crcs_count,
        cla.value as cla_count,
        crcs.value is not null and cla.value is not null as has_both
    from areas
    left join crcs
        on areas.year = crcs.year and areas.area_code = crcs.area_code
    left join cla
        on areas.year = cla.year and areas.area_code = cla.area_code
),

cells as (
    select year, area_code, 'crcs_count' as measure, crcs_count as value, has_both from pairs
    union all
    select year, area_code, 'cla_count' as measure, cla_count as value, has_both from pairs
    union all
    select year, area_code, 'difference' as measure, crcs_count - cla_count as value, has_both from pairs
)

select
    cast(year as varchar) as year,
    cast(area_code as varchar) as area_code,
    cast(measure as varchar) as measure,
    cast(case when has_both then value end as decimal(18, 1)) as value,
    cast(case when has_both then '' else '[x]' end as varchar) as note_codes
from cells
