{#
  CLA6: children adopted from care during the year by age group at adoption, with the total
  (publication.md): the child's last episode in the year (short breaks removed) ended with
  E11 or E12; age in completed years on that date. `median_age` on the total only: the
  median of the completed ages, the mean of the middle two when the count is even, to one
  decimal half up in exact integer arithmetic (Wales pools every LA's children). A median
  of no children is empty with [z]; cells of an LA that did not submit, and every Wales
  cell of that year, are [x].
#}
with areas as (
    select year, area_code, is_wales, has_return
    from {{ ref('int_cla_returns_by_area') }}
    where {{ year_filter() }}
),

groups as (
    select key as age_group
    from {{ ref('dimension_keys') }}
    where dimension = 'age_group'
),

adoptions as (
    select year, la_code, age_at_adoption, age_group
    from {{ ref('fct_cla_adoptions') }}
    where {{ year_filter() }}
),

scoped as (
    select adoptions.year, adoptions.la_code as area_code, adoptions.age_at_adoption, adoptions.age_group
    from adoptions
    union all
    select adoptions.year, areas.area_code, adoptions.age_at_adoption, adoptions.age_group
    from adoptions
    inner join areas
        on adoptions.year = areas.year and areas.is_wales
),

counts as (
    select year, area_code, age_group, count(*) as n
    from scoped
    group by year, area_code, age_group
    union all
    select year, area_code, 'total' as age_group, count(*) as n
    from scoped
    group by year, area_code
),

ranked as (
    select
        year,
        area_code,
        age_at_adoption,
        row_number() over (partition by year, area_code order by age_at_adoption) as position,
        count(*) over (partition by year, area_code) as children
    from scoped
),

{# The middle row (odd count) or the middle two (even): their mean in tenths, exactly. #}
medians as (
    select
        year,
        area_code,
        {{ integer_divide('sum(cast(age_at_adoption as bigint)) * 10', 'count(*)') }} as tenths
    from ranked
    where position in ({{ integer_divide('children + 1', '2') }}, {{ integer_divide('children + 2', '2') }})
    group by year, area_code
),

count_cells as (
    select
        areas.year,
        areas.area_code,
        groups.age_group,
        case when areas.has_return then coalesce(counts.n, 0) end as n
    from areas
    cross join groups
    left join counts
        on
            areas.year = counts.year
            and areas.area_code = counts.area_code
            and groups.age_group = counts.age_group
),

median_cells as (
    select
        areas.year,
        areas.area_code,
        'total' as age_group,
        case
            when not areas.has_return then '[x]'
            when medians.tenths is null then '[z]'
            else ''
        end as note_codes,
        case when areas.has_return then medians.tenths end as tenths
    from areas
    left join medians
        on
            areas.year = medians.year
            and areas.area_code = medians.area_code
)

select
    cast(year as varchar) as year,
    cast(area_code as varchar) as area_code,
    cast(age_group as varchar) as age_group,
    cast('count' as varchar) as measure,
    cast(n as decimal(18, 1)) as value,
    cast(case when n is null then '[x]' else '' end as varchar) as note_codes
from count_cells
union all
select
    cast(year as varchar) as year,
    cast(area_code as varchar) as area_code,
    cast(age_group as varchar) as age_group,
    cast('median_age' as varchar) as measure,
    cast(cast(tenths as decimal(18, 1)) / 10 as decimal(18, 1)) as value,
    cast(note_codes as varchar) as note_codes
from median_cells
