{#-
  Staging for the captured tables that have no models of their own (CAPTURED_TABLES names them; the
  loader creates their RAW table from their first object): after every run (on-run-end), each RAW
  table that is not a declared source gets
    staging.stg_<table>              its change log, each change once (as deduplicated_changes), RAW's
                                     names and types, plus changed_at;
    intermediate.int_<table>_current its current state (current_state), keyed by the table_keys var
                                     (default id: `--vars '{table_keys: {loans: [loan_id]}}'`).
  Views, so a column RAW gains later shows at once. A table that gets its own models (and a source
  entry) leaves this macro: its models replace the views.
-#}
{% macro stage_undeclared_tables() -%}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- set declared = [] -%}
  {%- for s in graph.sources.values() if s.source_name == 'raw' -%}
    {%- do declared.append(s.name | lower) -%}
  {%- endfor -%}
  {%- set raw_schema = 'raw' -%}
  {%- set found = run_query(
      "select table_name from information_schema.tables where lower(table_schema) = '" ~ raw_schema ~ "'") -%}
  {%- set keys = var('table_keys', {}) -%}
  {%- for row in found.rows -%}
    {%- set table = row[0] -%}
    {#- The loader's own tables (_loads, _load_errors) start with _. Snowflake folds a plain name to upper case. -#}
    {%- set name = table | lower if table == table | upper else table -%}
    {%- if not table.startswith('_') and table | lower not in declared -%}
      {%- set source = raw_schema ~ '.' ~ adapter.quote(table) -%}
      {%- set staged = generate_schema_name('staging', none) ~ '.' ~ model_ident('stg_' ~ name) -%}
      {%- set current = generate_schema_name('intermediate', none) ~ '.' ~ model_ident('int_' ~ name ~ '_current') -%}
      {#- Key columns by their plain names (each dialect's unquoted spelling). -#}
      {%- set key = keys.get(name, ['id']) -%}
      {%- set key = key if key is string else key | join(', ') -%}
      {%- do run_query('create schema if not exists ' ~ generate_schema_name('staging', none)) -%}
      {%- do run_query('create schema if not exists ' ~ generate_schema_name('intermediate', none)) -%}
      {%- do run_query('create or replace view ' ~ staged ~ ' as ' ~ undeclared_changes(source)) -%}
      {%- do run_query('create or replace view ' ~ current ~ ' as ' ~ current_state(staged, key)) -%}
      {{ log('staged undeclared table ' ~ table ~ ' as ' ~ staged ~ ' and ' ~ current, info=true) }}
    {%- endif -%}
  {%- endfor -%}
{%- endmacro %}

{#- The change log of a RAW table, each change once (as deduplicated_changes, from a relation). -#}
{% macro undeclared_changes(relation) -%}
    select
        src.* exclude ({{ unexposed_raw_columns() }}),
        {{ epoch_ms_to_timestamp('src._source_ts_ms') }} as changed_at
    from {{ relation }} as src
    {{ each_kafka_record_once('src') }}
{%- endmacro %}

{#- A view's name as dbt names models: plain names unquoted (each dialect's own case), any other quoted. -#}
{% macro model_ident(name) -%}
    {%- if modules.re.match('^[a-z_][a-z0-9_]*$', name) -%}{{ name }}{%- else -%}{{ adapter.quote(name) }}{%- endif -%}
{%- endmacro %}
