{#-
  An SCD type 2 dimension from a staging change model: one row per version, with `columns` (the
  version's attributes, in this order) between the keys and the validity columns.

  Each insert / update / snapshot read opens a version at its commit time (valid_from); the key's
  next change, whatever its op, closes it (valid_to), so a delete closes the last version
  (is_deleted) and opens none. Several changes of one key inside one source transaction were never
  visible apart: only the last one makes a version. version_key is a hash of the key and the LSN of
  the change that opened the version. The change that opened it and the one that closed it are
  named by LSN and transaction id (change_*, valid_to_*), so `npm run verify` can pick the version
  valid at a Postgres snapshot; change_loaded_at says which RAW load the build had seen.
-#}
{% macro scd2_dimension(changes_relation, key, version_key, columns) -%}
with changes as (
    select *
    from {{ changes_relation }}
    qualify row_number() over (
        partition by {{ key }}, coalesce(_tx_id, -_lsn)
        order by _lsn desc, _kafka_offset desc
    ) = 1
),

sequenced as (
    select
        changes.*,
        lead(changed_at) over (partition by {{ key }} order by _lsn, _kafka_offset) as next_changed_at,
        lead(_op) over (partition by {{ key }} order by _lsn, _kafka_offset) as next_op,
        lead(_lsn) over (partition by {{ key }} order by _lsn, _kafka_offset) as next_lsn,
        lead(_tx_id) over (partition by {{ key }} order by _lsn, _kafka_offset) as next_tx_id
    from changes
)

select
    {{ dbt.hash(dbt.concat(["cast(" ~ key ~ " as " ~ dbt.type_string() ~ ")", "'@'", "cast(_lsn as " ~ dbt.type_string() ~ ")"])) }} as {{ version_key }},
    {{ key }},
    {%- for column in columns %}
    {{ column }},
    {%- endfor %}
    changed_at as valid_from,
    next_changed_at as valid_to,
    next_changed_at is null as is_current,
    coalesce(next_op = 'd', false) as is_deleted,
    _op as change_op,
    _lsn as change_lsn,
    _tx_id as change_tx_id,
    _loaded_at as change_loaded_at,
    next_lsn as valid_to_lsn,
    next_tx_id as valid_to_tx_id
from sequenced
where _op <> 'd'
{%- endmacro %}
