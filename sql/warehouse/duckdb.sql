-- RAW layer for DuckDB: every change row of every table, plus the load ledger.
-- Generated from functions/shared/tables.ts by functions/loader/ddl.ts; do not edit by hand:
--   npx tsx infra/local/cli/warehouseDdl.ts duckdb > sql/warehouse/duckdb.sql

CREATE SCHEMA IF NOT EXISTS raw;

CREATE TABLE IF NOT EXISTS raw."customers" (
  "id" INTEGER NOT NULL, "first_name" VARCHAR, "last_name" VARCHAR, "email" VARCHAR,
  "created_at" TIMESTAMPTZ,
  "_op" VARCHAR NOT NULL, "_lsn" BIGINT NOT NULL, "_source_ts_ms" BIGINT NOT NULL, "_tx_id" BIGINT, "_kafka_topic" VARCHAR NOT NULL, "_kafka_partition" INTEGER NOT NULL, "_kafka_offset" BIGINT NOT NULL, "_kafka_epoch" INTEGER, "_unavailable_columns" VARCHAR,
  "_file" VARCHAR NOT NULL, "_loaded_at" TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS raw."accounts" (
  "id" INTEGER NOT NULL, "customer_id" INTEGER, "account_type" VARCHAR, "balance" DECIMAL(18,2),
  "currency" VARCHAR, "status" VARCHAR, "created_at" TIMESTAMPTZ,
  "_op" VARCHAR NOT NULL, "_lsn" BIGINT NOT NULL, "_source_ts_ms" BIGINT NOT NULL, "_tx_id" BIGINT, "_kafka_topic" VARCHAR NOT NULL, "_kafka_partition" INTEGER NOT NULL, "_kafka_offset" BIGINT NOT NULL, "_kafka_epoch" INTEGER, "_unavailable_columns" VARCHAR,
  "_file" VARCHAR NOT NULL, "_loaded_at" TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS raw."transactions" (
  "id" BIGINT NOT NULL, "account_id" INTEGER, "txn_type" VARCHAR, "amount" DECIMAL(18,2),
  "related_account_id" INTEGER, "status" VARCHAR, "created_at" TIMESTAMPTZ,
  "_op" VARCHAR NOT NULL, "_lsn" BIGINT NOT NULL, "_source_ts_ms" BIGINT NOT NULL, "_tx_id" BIGINT, "_kafka_topic" VARCHAR NOT NULL, "_kafka_partition" INTEGER NOT NULL, "_kafka_offset" BIGINT NOT NULL, "_kafka_epoch" INTEGER, "_unavailable_columns" VARCHAR,
  "_file" VARCHAR NOT NULL, "_loaded_at" TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS raw."_loads" (
  "object_key" VARCHAR PRIMARY KEY,
  "table_name" VARCHAR NOT NULL,
  "etag" VARCHAR,
  "row_count" BIGINT NOT NULL,
  "loaded_at" TIMESTAMPTZ NOT NULL,
  "manifest" VARCHAR
);

CREATE TABLE IF NOT EXISTS raw."_load_errors" (
  "object_key" VARCHAR NOT NULL,
  "etag" VARCHAR,
  "reason" VARCHAR NOT NULL,
  "failed_at" TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS raw."_sweep_marks" (
  "prefix" VARCHAR PRIMARY KEY,
  "verified_before" BIGINT,
  "pending" BIGINT,
  "updated_at" TIMESTAMPTZ NOT NULL
);

ALTER TABLE raw."_loads" ADD COLUMN IF NOT EXISTS "manifest" VARCHAR;
