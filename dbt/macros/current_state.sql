{#-
  Current state per key from a staging change model: the latest change wins (by LSN, then Kafka
  offset); a key whose latest change is a delete is gone. Every column of the change model but its
  CDC bookkeeping (change_log_columns) passes through by name, so a column the source gains reaches
  the current state with no edit; the latest change's commit time becomes last_changed_at.
-#}
{% macro current_state(changes_relation, key) -%}
with latest as (
    select *
    from {{ changes_relation }}
    qualify row_number() over (
        partition by {{ key }}
        order by _lsn desc, _kafka_offset desc
    ) = 1
)

select
    * exclude ({{ change_log_columns() }}),
    changed_at as last_changed_at
from latest
where _op <> 'd'
{%- endmacro %}
