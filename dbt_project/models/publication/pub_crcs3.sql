{{ config(tags=['crcs']) }}
{#
  CRCS3: children receiving care and support at 31 March by sex and age group, Wales only,
  with totals on both dimensions (publication.md). Age in completed years on the census date,
  grouped by the age_groups seed; sex male, female or other (mapped from each era's codes in
  staging); unborn children left out. Every cell is [x] in a year in which an LA did not
  submit.
#}
with areas as (
    select year, area_code, has_return
    from {{ ref('int_crcs_returns_by_area') }}
    where
        is_wales
        and {{ year_filter() }}
),

sexes as (
    select key as sex
    from {{ ref('dimension_keys') }}
    where dimension = 'sex'
),

age_group_keys as (
    select key as age_group
    from {{ ref('dimension_keys') }}
    where dimension = 'age_group'
),

age_groups as (
    select age_group, age_from, age_to
    from {{ ref('age_groups') }}
),

children as (
    select
        children.year,
        children.sex,
        age_groups.age_group
    from {{ ref('fct_crcs_children_at_census') }} as children
    left join age_groups
        on children.age_at_census between age_groups.age_from and age_groups.age_to
    where {{ year_filter('children.year') }}
),

counts as (
    select year, sex, age_group, count(*) as n
    from children
    group by year, sex, age_group
    union all
    select year, 'total' as sex, age_group, count(*) as n
    from children
    group by year, age_group
    union all
    select year, sex, 'total' as age_group, count(*) as n
    from children
    group by year, sex
    union all
    select year, 'total' as sex, 'total' as age_group, count(*) as n
    from children
    group by year
),

cells as (
    select
        areas.year,
        areas.area_code,
        sexes.sex,
        age_group_keys.age_group,
        case when areas.has_return then coalesce(counts.n, 0) end as n
    from areas
    cross join sexes
    cross join age_group_keys
    left join counts
        on
            areas.year = counts.year
            and sexes.sex = counts.sex
            and age_group_keys.age_group = counts.age_group
)

select
    cast(year as varchar) as year,
    cast(area_code as varchar) as area_code,
    cast(sex as varchar) as sex,
    cast(age_group as varchar) as age_group,
    cast('count' as varchar) as measure,
    cast(n as decimal(18, 1)) as value,
    cast(case when n is null then '[x]' else '' end as varchar) as note_codes
from cells
