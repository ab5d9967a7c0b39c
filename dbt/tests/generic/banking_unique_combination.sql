{#- The combination of `columns` identifies a row (no package needed: dbt_utils cannot be fetched here). -#}
{% test banking_unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
