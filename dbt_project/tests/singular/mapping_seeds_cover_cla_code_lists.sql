{{ config(meta={'dagster': {'ref': {'name': 'dimension_keys'}}}) }}
-- Every CLA code that a published table groups has a group in its mapping seed, and every
-- group a mapping seed produces is a published key in dimension_keys (so no child falls out
-- of a table's groups and every published key has a lookup description).
with unmapped as (
    select 'cla_legal_status' as code_list, code from {{ ref('cla_legal_status') }}
    where code not in (select code from {{ ref('cla_legal_status_groups') }})
    union all
    select 'cla_placement_type', code from {{ ref('cla_placement_type') }}
    where code not in (select code from {{ ref('cla_placement_groups') }})
    union all
    select 'cla_reason_episode_ceased', code from {{ ref('cla_reason_episode_ceased') }}
    where code <> 'X1' and code not in (select code from {{ ref('cla_ceased_groups') }})
    union all
    select 'cla_reason_new_episode', code from {{ ref('cla_reason_new_episode') }}
    where code not in (select code from {{ ref('cla_reason_new_episode_groups') }})
    union all
    select 'cla_care_leaver_activity', code from {{ ref('cla_care_leaver_activity') }}
    where code not in (select code from {{ ref('cla_care_leaver_activity_groups') }})
    union all
    select 'cla_category_of_need', code from {{ ref('cla_category_of_need') }}
    where code not in (select key from {{ ref('dimension_keys') }} where dimension = 'category_of_need')
),

groups as (
    select 'legal_status_group' as dimension, legal_status_group as key
    from {{ ref('cla_legal_status_groups') }}
    where not is_short_break
    union all
    select 'placement_group', placement_group from {{ ref('cla_placement_groups') }}
    union all
    select 'ceased_group', ceased_group from {{ ref('cla_ceased_groups') }}
    union all
    select 'age_group', age_group from {{ ref('age_groups') }}
    union all
    select 'sex', sex from {{ ref('sex_groups') }}
),

missing_keys as (
    select distinct groups.dimension, groups.key
    from groups
    left join {{ ref('dimension_keys') }} as keys
        on groups.dimension = keys.dimension and groups.key = keys.key
    where keys.key is null
)

select code_list as what, code from unmapped
union all
select dimension as what, key as code from missing_keys
