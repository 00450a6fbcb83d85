{# Every non-null code is listed in the code-list seed for the era of its row's year. #}
{% test valid_code_for_era(model, column_name, census, code_list) %}
with eras as (
    select era, era_order, first_year, last_year
    from {{ ref('eras') }}
    where census = '{{ census }}'
),

rows_with_era as (
    select {{ column_name }} as code, eras.era_order
    from {{ model }}
    inner join eras
        on {{ model }}.year between eras.first_year and coalesce(eras.last_year, '9999-99')
    where {{ column_name }} is not null
),

valid as (
    select codes.code, e_from.era_order as order_from, e_to.era_order as order_to
    from {{ ref(code_list) }} as codes
    inner join eras as e_from on codes.era_from = e_from.era
    inner join eras as e_to on codes.era_to = e_to.era
)

select rows_with_era.code, rows_with_era.era_order
from rows_with_era
where not exists (
    select 1 from valid
    where valid.code = rows_with_era.code
      and rows_with_era.era_order between valid.order_from and valid.order_to
)
{% endtest %}
