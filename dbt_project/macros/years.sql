{# Collection-year helpers. A year is labelled 'YYYY-YY': 1 April YYYY to 31 March YYYY+1.
   Labels have a fixed width, so they compare correctly as text. #}

{% macro year_filter(column='year') -%}
    {{ column }} between '{{ var("year_from") }}' and '{{ var("year_to") }}'
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
