{{ config(meta={'dagster': {'ref': {'name': 'pub_cla1'}}}) }}
-- CLA1 has the same cells every year: 23 areas x 6 legal-status keys counts + 23 rates.
select year, count(*) as cells
from {{ ref('pub_cla1') }}
group by year
having count(*) <> (
    select count(*) from {{ ref('dim_local_authority') }}
) * ((select count(*) from {{ ref('dimension_keys') }} where dimension = 'legal_status_group') + 1)
