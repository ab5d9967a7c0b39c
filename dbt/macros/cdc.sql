{#- Helpers for reading the CDC change log in RAW. Portable across DuckDB and Snowflake. -#}

{#- Money is DECIMAL(18,2) end to end: never let an expression widen it to a float. -#}
{% macro money(expr) -%}
    cast({{ expr }} as decimal(18, 2))
{%- endmacro %}

{#- Source commit time (epoch milliseconds, UTC) as a timestamp with time zone. -#}
{% macro epoch_ms_to_timestamp(expr) -%}
    {{ return(adapter.dispatch('epoch_ms_to_timestamp', 'banking')(expr)) }}
{%- endmacro %}

{% macro default__epoch_ms_to_timestamp(expr) -%}
    to_timestamp_tz({{ expr }}, 3)
{%- endmacro %}

{% macro duckdb__epoch_ms_to_timestamp(expr) -%}
    {#- epoch_ms() gives a naive UTC timestamp; AT TIME ZONE 'UTC' makes it a TIMESTAMPTZ of that instant
        (integer arithmetic only: to_timestamp() would go through a double). -#}
    (epoch_ms(cast({{ expr }} as bigint)) at time zone 'UTC')
{%- endmacro %}

{#- The UTC calendar day of a timestamp with time zone. -#}
{% macro utc_date(expr) -%}
    {{ return(adapter.dispatch('utc_date', 'banking')(expr)) }}
{%- endmacro %}

{% macro default__utc_date(expr) -%}
    cast(convert_timezone('UTC', {{ expr }}) as date)
{%- endmacro %}

{% macro duckdb__utc_date(expr) -%}
    {#- The profile pins the session TimeZone to UTC, so the cast is the UTC day. -#}
    cast({{ expr }} as date)
{%- endmacro %}

{#-
  The change log of one RAW table, each change once: Kafka may redeliver a record, and a redelivered
  record carries the same (epoch, topic, partition, offset): a delivery artefact, not a change (the
  epoch, KAFKA_EPOCH, tells a recreated topic's offsets from the old one's; NULL in rows from before
  it: epoch 0). Adds changed_at, the source commit time of the change (timestamptz). The changes of
  one key are ordered by _lsn, then _kafka_offset (current_state, scd2_dimension).

  A value Debezium could not send (an unchanged TOASTed value of a table under REPLICA IDENTITY
  DEFAULT) is NULL in RAW, its column named in _unavailable_columns; here it takes the value of the
  key's latest earlier change that carried the column (by LSN), so every later layer sees the row
  as Postgres had it. Only text and binary columns can be TOASTed, so only they are carried.
-#}
{#- Each Kafka record once, as it reached RAW first: a re-delivered or re-loaded record repeats it. -#}
{% macro each_kafka_record_once(alias) -%}
qualify row_number() over (
        partition by coalesce({{ alias }}._kafka_epoch, 0), {{ alias }}._kafka_topic, {{ alias }}._kafka_partition, {{ alias }}._kafka_offset
        order by {{ alias }}._loaded_at
    ) = 1
{%- endmacro %}

{% macro deduplicated_changes(source_table, key='id') -%}
    {%- set relation = source('raw', source_table) -%}
    {%- set carried = toastable_columns(relation, key) -%}
    {%- set key_column = adapter.quote(key | upper) if target.type == 'snowflake' else adapter.quote(key) -%}
    {%- set deduplicated -%}
    select
        src.*,
        {{ epoch_ms_to_timestamp('src._source_ts_ms') }} as changed_at
    from {{ relation }} as src
    {{ each_kafka_record_once('src') }}
    {%- endset -%}
    {%- if carried | length == 0 %}
    {{ deduplicated }}
    {%- else %}
    {#- Each carried column's value groups: a group starts at a change that carried the column, and the
        group's first value is the column's value for every change in it. -#}
    select
        * exclude ({% for c in carried %}_carry_group_{{ loop.index }}{{ ", " if not loop.last }}{% endfor %})
        replace (
        {%- for c in carried %}
            first_value({{ adapter.quote(c) }}) over (
                partition by {{ key_column }}, _carry_group_{{ loop.index }} order by _lsn, _kafka_offset
            ) as {{ adapter.quote(c) }}{{ "," if not loop.last }}
        {%- endfor %}
        )
    from (
        select
            d.*,
        {%- for c in carried %}
            count(case when d._unavailable_columns is null
                        or not contains(d._unavailable_columns, {{ unavailable_marker(c) }}) then 1 end) over (
                partition by d.{{ key_column }} order by d._lsn, d._kafka_offset rows between unbounded preceding and current row
            ) as _carry_group_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}
        from ({{ deduplicated }}) as d
    ) as g
    {%- endif %}
{%- endmacro %}

{#- Columns of a RAW table whose value may be an unchanged TOASTed one (text and binary), but the key
    and the CDC metadata, as the warehouse spells them; none when RAW has no _unavailable_columns (a
    warehouse from before it). -#}
{% macro toastable_columns(relation, key) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(relation) -%}
    {%- set names = columns | map(attribute='name') | map('lower') | list -%}
    {%- if '_unavailable_columns' not in names -%}{{ return([]) }}{%- endif -%}
    {%- set out = [] -%}
    {%- for col in columns -%}
        {%- set binary = col.dtype | upper in ['BLOB', 'BYTEA', 'BINARY', 'VARBINARY'] -%}
        {%- if (col.is_string() or binary) and col.name | lower != key and not col.name.startswith('_') -%}
            {%- do out.append(col.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

{#- How a column appears in _unavailable_columns (a JSON array of Postgres names, as JSON.stringify
    writes them), as an SQL string. Snowflake's RAW spells a plain lower-case Postgres name in upper
    case (functions/loader/identifiers.ts), so such a name is lower-cased back. -#}
{% macro unavailable_marker(name) -%}
    {%- set pg = name | lower if target.type == 'snowflake' and name == name | upper else name -%}
    '"{{ pg | replace("\\", "\\\\") | replace('"', '\\"') | replace("'", "''") }}"'
{%- endmacro %}

{#- RAW columns the staging models do not expose (Kafka coordinates other than the offset,
    the raw commit epoch, the loader's file). -#}
{% macro unexposed_raw_columns() -%}
    _source_ts_ms, _kafka_topic, _kafka_partition, _kafka_epoch, _file
{%- endmacro %}

{#- Change-log columns of a staging model that its current-state model (current_state) leaves out. -#}
{% macro change_log_columns() -%}
    _op, _lsn, _kafka_offset, _tx_id, _unavailable_columns, changed_at, _loaded_at
{%- endmacro %}
