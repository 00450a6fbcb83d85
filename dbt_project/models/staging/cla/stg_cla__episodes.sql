with source as (
    select
        year,
        la_code,
        child_pid,
        episode_start_date,
        episode_end_date,
        reason_new_episode,
        legal_status,
        category_of_need,
        placement_type,
        placement_la,
        reason_episode_ceased,
        transferred_from_la,
        source_line
    from {{ source('raw', 'cla_episodes') }}
),

eras as (
    select era, first_year, last_year
    from {{ ref('eras') }}
    where census = 'cla'
),

legal_status_groups as (
    select code, legal_status_group, is_short_break
    from {{ ref('cla_legal_status_groups') }}
),

placement_groups as (
    select code, placement_group
    from {{ ref('cla_placement_groups') }}
),

ceased_groups as (
    select code, ceased_group
    from {{ ref('cla_ceased_groups') }}
)

select
    source.year,
    eras.era,
    source.la_code,
    source.child_pid,
    source.episode_start_date,
    source.episode_end_date,
    source.reason_new_episode,
    source.legal_status,
    legal_status_groups.legal_status_group,
    coalesce(legal_status_groups.is_short_break, false) as is_short_break,
    source.category_of_need,
    source.placement_type,
    placement_groups.placement_group,
    source.placement_la,
    source.reason_episode_ceased,
    ceased_groups.ceased_group,
    source.transferred_from_la,
    {{ year_start_date('source.year') }} as year_start_date,
    {{ census_date('source.year') }} as census_date,
    source.source_line
from source
left join eras
    on source.year between eras.first_year and coalesce(eras.last_year, '9999-99')
left join legal_status_groups
    on source.legal_status = legal_status_groups.code
left join placement_groups
    on source.placement_type = placement_groups.code
left join ceased_groups
    on source.reason_episode_ceased = ceased_groups.code
