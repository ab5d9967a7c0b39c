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
  record carries the same (topic, partition, offset): a delivery artefact, not a change. Adds
  changed_at, the source commit time of the change (timestamptz). The changes of one key are
  ordered by _lsn, then _kafka_offset (current_state, scd2_dimension).
-#}
{% macro deduplicated_changes(source_table) -%}
    select
        src.*,
        {{ epoch_ms_to_timestamp('src._source_ts_ms') }} as changed_at
    from {{ source('raw', source_table) }} as src
    qualify row_number() over (
        partition by src._kafka_topic, src._kafka_partition, src._kafka_offset
        order by src._loaded_at
    ) = 1
{%- endmacro %}

{#- RAW columns the staging models do not expose (Kafka coordinates other than the offset,
    the raw commit epoch, the loader's file). -#}
{% macro unexposed_raw_columns() -%}
    _source_ts_ms, _kafka_topic, _kafka_partition, _file
{%- endmacro %}

{#- Change-log columns of a staging model that its current-state model (current_state) leaves out. -#}
{% macro change_log_columns() -%}
    _op, _lsn, _kafka_offset, _tx_id, changed_at, _loaded_at
{%- endmacro %}
