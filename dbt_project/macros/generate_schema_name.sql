{# Layers get plain schema names (staging, intermediate, marts, publication, reference),
   not <target>_<layer>, so the warehouse reads like DESIGN.md. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
