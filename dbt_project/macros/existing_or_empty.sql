{#
  `relation` if it exists in the warehouse, else an empty relation with `columns` ({name: type}):
  a model that reads the other census's table (REC1 reads CLA1) builds on a warehouse that has
  only one census so far (`cssd build --census crcs` on a fresh data folder). The caller keeps a
  `-- depends_on: {{ ref(...) }}` so the lineage is the same either way.
#}
{% macro existing_or_empty(relation, columns) %}
    {#- a dbt unit test gives its input rows as a relation with no identifier: use them as they are -#}
    {%- set identifier = relation.identifier if relation.identifier is defined else none -%}
    {%- set whole = identifier is not none and relation.schema is not none and relation.database is not none -%}
    {%- if not whole or (execute and adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=identifier) is not none) -%}
        {{ relation }}
    {%- else -%}
        (select
        {%- for name, type in columns.items() %}
            cast(null as {{ type }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
        where false)
    {%- endif -%}
{% endmacro %}
