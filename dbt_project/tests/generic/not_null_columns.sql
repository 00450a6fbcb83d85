{#
  None of the given columns is NULL: one query per model instead of one per column (a dbt test
  costs ~0.1 s of overhead whatever its size; a build runs this for every model). Each failing
  row names the first NULL column. Columns of an enforced contract with a not_null constraint
  need no test: the warehouse refuses the NULL when the model is built.
#}
{% test not_null_columns(model, columns) %}
select
    case
    {%- for column in columns %}
        when {{ column }} is null then '{{ column }}'
    {%- endfor %}
    end as null_column
from {{ model }}
where {% for column in columns %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}
{% endtest %}
