{# SQL that DuckDB and PostgreSQL spell differently, dispatched on the adapter (target.type).
   Each default__ macro is the DuckDB form the models used before; postgres__ gives the same
   result on PostgreSQL. Outside dbt (sqlfluff's jinja templater: no `adapter`) the DuckDB form
   is rendered, which is what the duckdb lint dialect expects. #}

{# Integer division, truncated, as bigint (operands are never negative where it is used). #}
{% macro integer_divide(numerator, denominator) -%}
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('integer_divide', 'cssd')(numerator, denominator)) }}
    {%- else -%}
        {{ return(default__integer_divide(numerator, denominator)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__integer_divide(numerator, denominator) -%}
    (({{ numerator }}) // ({{ denominator }}))
{%- endmacro %}

{% macro postgres__integer_divide(numerator, denominator) -%}
    cast(div(({{ numerator }}), ({{ denominator }})) as bigint)
{%- endmacro %}

{# A ;-separated list of codes as submitted -> the same codes trimmed, upper-cased, without
   empty items or repeats, sorted (byte order) and joined with ';'; NULL when no code is left. #}
{% macro crcs_code_list(column) -%}
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('crcs_code_list', 'cssd')(column)) }}
    {%- else -%}
        {{ return(default__crcs_code_list(column)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__crcs_code_list(column) -%}
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

{% macro postgres__crcs_code_list(column) -%}
    (
        select string_agg(codes.code, ';' order by codes.code collate "C")
        from (
            select distinct upper(trim(items.item)) as code
            from unnest(string_to_array(coalesce({{ column }}, ''), ';')) as items (item)
        ) as codes
        where codes.code <> ''
    )
{%- endmacro %}

{# The codes of a normalised ;-separated list, as a list/array (unnest it to get rows). #}
{% macro crcs_codes(column) -%}
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('crcs_codes', 'cssd')(column)) }}
    {%- else -%}
        {{ return(default__crcs_codes(column)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__crcs_codes(column) -%}
    string_split(coalesce({{ column }}, ''), ';')
{%- endmacro %}

{% macro postgres__crcs_codes(column) -%}
    string_to_array(coalesce({{ column }}, ''), ';')
{%- endmacro %}

{# Planner statistics for a table just built (a post-hook of every table model and seed). PostgreSQL
   plans from statistics that only ANALYZE (or autovacuum, later) gathers: without them it took
   int_cla_periods for an 88-row table and chose nested loops, 513 s for 27 k rows against 0.2 s
   after ANALYZE (issue 15). DuckDB keeps its statistics as it writes: nothing to do, so the hook
   renders empty and dbt skips it. #}
{% macro analyze_for_planner() -%}
    {%- if adapter is defined and target.type == 'postgres' -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
