{# Collection-year helpers. A year is labelled 'YYYY-YY': 1 April YYYY to 31 March YYYY+1.
   Labels have a fixed width, so they compare correctly as text. #}

{# The collection years a build covers: `--vars '{year_from: …, year_to: …}'` where given (a dbt
   unit test's overrides, a run by hand), else CSSD_YEAR_FROM / CSSD_YEAR_TO, which cssd sets for
   each dbt invocation (orchestration/defs/transform.py), else every year. The environment is read
   only while executing: dbt reparses the whole project when --vars change or when an env_var read
   at parse time changes, so years passed this way keep its partial parsing (about 3 s an
   invocation) from one range of years to the next. #}
{% macro build_year(which) -%}
    {%- set default = {'from': '1990-91', 'to': '2099-00'}[which] -%}
    {%- set given = var('year_' ~ which, none) -%}
    {%- if given is not none -%}
        {{ return(given) }}
    {%- elif execute -%}
        {{ return(env_var('CSSD_YEAR_' ~ (which | upper), default)) }}
    {%- else -%}
        {{ return(default) }}
    {%- endif -%}
{%- endmacro %}

{% macro year_filter(column='year') -%}
    {{ column }} between '{{ build_year("from") }}' and '{{ build_year("to") }}'
{%- endmacro %}

{% macro year_start_date(year) -%}
    make_date(cast(substr({{ year }}, 1, 4) as integer), 4, 1)
{%- endmacro %}

{% macro census_date(year) -%}
    make_date(cast(substr({{ year }}, 1, 4) as integer) + 1, 3, 31)
{%- endmacro %}

{# Age in completed years on a date. Comparing month*100+day means a 29 February birthday
   falls on 1 March in other years, as publication.md requires. #}
{% macro age_on(date_of_birth, on_date) -%}
    (extract(year from {{ on_date }}) - extract(year from {{ date_of_birth }})
     - case when extract(month from {{ on_date }}) * 100 + extract(day from {{ on_date }})
                 < extract(month from {{ date_of_birth }}) * 100 + extract(day from {{ date_of_birth }})
            then 1 else 0 end)
{%- endmacro %}

{# Round half up to one decimal place in exact integer arithmetic: numerator / denominator * scale. #}
{% macro tenths_half_up(numerator, denominator, scale) -%}
    {{ integer_divide(
        '2 * cast(' ~ numerator ~ ' as bigint) * ' ~ scale ~ ' * 10 + cast(' ~ denominator ~ ' as bigint)',
        '2 * cast(' ~ denominator ~ ' as bigint)'
    ) }}
{%- endmacro %}
