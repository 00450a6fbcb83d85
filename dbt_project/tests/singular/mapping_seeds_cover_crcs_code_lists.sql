{{ config(meta={'dagster': {'ref': {'name': 'dimension_keys'}}}) }}
-- Every code of a CRCS code list that a published table uses as a key is a key of its
-- dimension in dimension_keys (so no child falls out of CRCS2, CRCS4, CRCS5 or CRCS8 and every
-- published key has a lookup description).
with keys as (
    select dimension, key from {{ ref('dimension_keys') }}
)

select 'crcs_category_of_need' as code_list, code from {{ ref('crcs_category_of_need') }}
where code not in (select key from keys where dimension = 'category_of_need')
union all
select 'crcs_disability', code from {{ ref('crcs_disability') }}
where code not in (select key from keys where dimension = 'disability_type')
union all
select 'crcs_parental_factors', code from {{ ref('crcs_parental_factors') }}
where code not in (select key from keys where dimension = 'parental_factor')
union all
select 'crcs_reason_for_closure', code from {{ ref('crcs_reason_for_closure') }}
where code not in (select key from keys where dimension = 'reason_for_closure')
