{# A ;-separated list of codes as submitted -> the same codes trimmed, upper-cased, without
   empty items or repeats, sorted and joined with ';'; NULL when no code is left. #}
{% macro crcs_code_list(column) -%}
    nullif(
        array_to_string(
            list_sort(list_distinct(list_filter(
                list_transform(string_split(coalesce({{ column }}, ''), ';'), lambda code: upper(trim(code))),
                lambda code: code <> ''
            ))),
            ';'
        ),
        ''
    )
{%- endmacro %}

{# The codes of a normalised ;-separated list, one per element (unnest it to get rows). #}
{% macro crcs_codes(column) -%}
    string_split(coalesce({{ column }}, ''), ';')
{%- endmacro %}

{# 1 January of the census year: a CRCS plan counts at 31 March only if it started by then. #}
{% macro crcs_start_cutoff(year) -%}
    make_date(cast(substr({{ year }}, 1, 4) as integer) + 1, 1, 1)
{%- endmacro %}

{# A published value held as an integer number of tenths (a count n is n * 10) -> decimal(18,1). #}
{% macro tenths_to_value(tenths) -%}
    cast(cast({{ tenths }} as decimal(18, 1)) / 10 as decimal(18, 1))
{%- endmacro %}
