{# crcs_code_list and crcs_codes: macros/portable.sql (DuckDB and PostgreSQL differ). #}

{# 1 January of the census year: a CRCS plan counts at 31 March only if it started by then. #}
{% macro crcs_start_cutoff(year) -%}
    make_date(cast(substr({{ year }}, 1, 4) as integer) + 1, 1, 1)
{%- endmacro %}

{# A published value held as an integer number of tenths (a count n is n * 10) -> decimal(18,1). #}
{% macro tenths_to_value(tenths) -%}
    cast(cast({{ tenths }} as decimal(18, 1)) / 10 as decimal(18, 1))
{%- endmacro %}
