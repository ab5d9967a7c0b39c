-- RAW layer for Snowflake: every change row of every table, plus the load ledger.
-- Generated from functions/shared/tables.ts by functions/loader/ddl.ts; do not edit by hand:
--   npx tsx infra/cli/warehouseDdl.ts snowflake > sql/warehouse/snowflake.sql

CREATE SCHEMA IF NOT EXISTS raw;

CREATE TABLE IF NOT EXISTS raw.customers (
  id NUMBER(38,0) NOT NULL, first_name VARCHAR(100), last_name VARCHAR(100), email VARCHAR(255),
  created_at TIMESTAMP_TZ(6),
  _op VARCHAR(1) NOT NULL, _lsn NUMBER(38,0) NOT NULL, _source_ts_ms NUMBER(38,0) NOT NULL, _tx_id NUMBER(38,0), _kafka_topic VARCHAR(255) NOT NULL, _kafka_partition NUMBER(38,0) NOT NULL, _kafka_offset NUMBER(38,0) NOT NULL,
  _file VARCHAR(1024) NOT NULL, _loaded_at TIMESTAMP_TZ(6) NOT NULL
);

CREATE TABLE IF NOT EXISTS raw.accounts (
  id NUMBER(38,0) NOT NULL, customer_id NUMBER(38,0), account_type VARCHAR(50), balance NUMBER(18,2),
  currency VARCHAR(3), status VARCHAR(20), created_at TIMESTAMP_TZ(6),
  _op VARCHAR(1) NOT NULL, _lsn NUMBER(38,0) NOT NULL, _source_ts_ms NUMBER(38,0) NOT NULL, _tx_id NUMBER(38,0), _kafka_topic VARCHAR(255) NOT NULL, _kafka_partition NUMBER(38,0) NOT NULL, _kafka_offset NUMBER(38,0) NOT NULL,
  _file VARCHAR(1024) NOT NULL, _loaded_at TIMESTAMP_TZ(6) NOT NULL
);

CREATE TABLE IF NOT EXISTS raw.transactions (
  id NUMBER(38,0) NOT NULL, account_id NUMBER(38,0), txn_type VARCHAR(50), amount NUMBER(18,2),
  related_account_id NUMBER(38,0), status VARCHAR(20), created_at TIMESTAMP_TZ(6),
  _op VARCHAR(1) NOT NULL, _lsn NUMBER(38,0) NOT NULL, _source_ts_ms NUMBER(38,0) NOT NULL, _tx_id NUMBER(38,0), _kafka_topic VARCHAR(255) NOT NULL, _kafka_partition NUMBER(38,0) NOT NULL, _kafka_offset NUMBER(38,0) NOT NULL,
  _file VARCHAR(1024) NOT NULL, _loaded_at TIMESTAMP_TZ(6) NOT NULL
);

CREATE TABLE IF NOT EXISTS raw._loads (
  object_key VARCHAR(1024) PRIMARY KEY,
  table_name VARCHAR(1024) NOT NULL,
  etag VARCHAR(1024),
  row_count NUMBER(38,0) NOT NULL,
  loaded_at TIMESTAMP_TZ(6) NOT NULL
);

CREATE TABLE IF NOT EXISTS raw._load_errors (
  object_key VARCHAR(1024) NOT NULL,
  etag VARCHAR(1024),
  reason VARCHAR(1024) NOT NULL,
  failed_at TIMESTAMP_TZ(6) NOT NULL
);
