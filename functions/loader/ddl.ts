/**
 * Warehouse DDL for the RAW layer, generated from the one table definition module so the
 * warehouse can never drift from the lake's Parquet schema. The committed files in
 * sql/warehouse/ are this output; a unit test fails when they disagree.
 *
 * RAW keeps every change row as delivered. Only key and CDC metadata columns are NOT NULL:
 * a Debezium delete without REPLICA IDENTITY FULL carries only the key in its before image,
 * so the table's other columns are legitimately null on `d` rows.
 */
import { CDC_COLUMNS, TABLE_NAMES, tableDef, type ColumnDef, type TableName } from '../shared/tables';
import { typeName } from '../shared/typeNames';
import { quoteIdent } from './identifiers';

export type Dialect = 'duckdb' | 'snowflake';

export const RAW_SCHEMA = 'raw';
export const LEDGER_TABLE = '_loads';
export const LOAD_ERRORS_TABLE = '_load_errors';
/** The sweep's cursor (sweep.ts): one row per lake prefix, so a cold container resumes. */
export const SWEEP_MARKS_TABLE = '_sweep_marks';

/** Columns the loader adds to every RAW row. */
export const LOAD_COLUMNS = ['_file', '_loaded_at'] as const;

export function duckdbType(col: ColumnDef): string {
  return typeName('duckdb', col.type, col);
}

/** The type DuckDB reports (DESCRIBE) for a Parquet column that follows the lake contract. */
export function duckdbDescribedType(col: ColumnDef): string {
  return typeName('duckdbDescribed', col.type, col);
}

export function snowflakeType(col: ColumnDef): string {
  return typeName('snowflake', col.type, col);
}

function isRequired(table: TableName, col: ColumnDef): boolean {
  if (tableDef(table).key.includes(col.name)) return true;
  return col.name.startsWith('_') && !col.nullable;
}

/** Column definitions packed into lines of at most `width` characters (one column may exceed it alone). */
function packed(defs: string[], width = 100): string[] {
  const lines: string[] = [];
  let line = '';
  for (const d of defs) {
    if (line !== '' && line.length + 2 + d.length > width) {
      lines.push(line);
      line = '';
    }
    line = line === '' ? d : `${line}, ${d}`;
  }
  return line === '' ? lines : [...lines, line];
}

/**
 * The table's own columns, packed a few to a line in their order; then the metadata every table
 * shares on one line each: the CDC columns of tables.ts, then the loader's `_file` and `_loaded_at`.
 * Compact, so the generated files read table by table instead of repeating the same lines.
 */
function columnLines(table: TableName, dialect: Dialect): string[] {
  const typeOf = dialect === 'duckdb' ? duckdbType : snowflakeType;
  const tsType = dialect === 'duckdb' ? 'TIMESTAMPTZ' : 'TIMESTAMP_TZ(6)';
  const text = dialect === 'duckdb' ? 'VARCHAR' : 'VARCHAR(1024)';
  const q = (name: string) => quoteIdent(dialect, name);
  const column = (c: ColumnDef): string => `${q(c.name)} ${typeOf(c)}${isRequired(table, c) ? ' NOT NULL' : ''}`;
  return [
    ...packed(tableDef(table).columns.map(column)),
    CDC_COLUMNS.map(column).join(', '),
    `${q('_file')} ${text} NOT NULL, ${q('_loaded_at')} ${tsType} NOT NULL`,
  ];
}

/** `columns` are already quoted; the table's name is quoted here. */
function createTable(dialect: Dialect, schema: string, name: string, lines: string[]): string {
  return `CREATE TABLE IF NOT EXISTS ${schema}.${quoteIdent(dialect, name)} (\n  ${lines.join(',\n  ')}\n);`;
}

/**
 * CREATE TABLE for a table tables.ts does not declare, from the first object's columns (typed in
 * the dialect by the caller), in their order, then the loader's columns; later objects extend it
 * as they extend any RAW table.
 */
export function rawTableFromObject(
  dialect: Dialect,
  table: TableName,
  columns: readonly { name: string; type: string }[],
  schema: string = RAW_SCHEMA,
): string {
  const tsType = dialect === 'duckdb' ? 'TIMESTAMPTZ' : 'TIMESTAMP_TZ(6)';
  const text = dialect === 'duckdb' ? 'VARCHAR' : 'VARCHAR(1024)';
  const q = (name: string) => quoteIdent(dialect, name);
  const required = new Set(CDC_COLUMNS.filter((c) => !c.nullable).map((c) => c.name));
  const defs = columns.map((c) => `${q(c.name)} ${c.type}${required.has(c.name) ? ' NOT NULL' : ''}`);
  return createTable(dialect, schema, table, [
    ...packed(defs),
    `${q('_file')} ${text} NOT NULL, ${q('_loaded_at')} ${tsType} NOT NULL`,
  ]);
}

/** A RAW table's qualified name, quoted (the schema comes from config, validated as a plain name). */
export function rawTable(dialect: Dialect, table: string, schema: string = RAW_SCHEMA): string {
  return `${schema}.${quoteIdent(dialect, table)}`;
}

/** Every statement that creates the RAW layer, idempotent (IF NOT EXISTS), in order. */
export function rawDdlStatements(dialect: Dialect, schema: string = RAW_SCHEMA): string[] {
  const ts = dialect === 'duckdb' ? 'TIMESTAMPTZ' : 'TIMESTAMP_TZ(6)';
  const text = dialect === 'duckdb' ? 'VARCHAR' : 'VARCHAR(1024)';
  const bigint = dialect === 'duckdb' ? 'BIGINT' : 'NUMBER(38,0)';
  const longText = 'VARCHAR';
  const q = (name: string) => quoteIdent(dialect, name);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${schema};`,
    ...TABLE_NAMES.map((t) => createTable(dialect, schema, t, columnLines(t, dialect))),
    // The ledger: one row per loaded object, written in the same transaction as its rows.
    createTable(dialect, schema, LEDGER_TABLE, [
      `${q('object_key')} ${text} PRIMARY KEY`,
      `${q('table_name')} ${text} NOT NULL`,
      `${q('etag')} ${text}`,
      `${q('row_count')} ${bigint} NOT NULL`,
      `${q('loaded_at')} ${ts} NOT NULL`,
      // The object's manifest (functions/shared/manifest.ts); NULL for objects written before manifests.
      `${q('manifest')} ${longText}`,
    ]),
    // One row per failed attempt; the object stays out of the ledger so a re-drive retries it.
    createTable(dialect, schema, LOAD_ERRORS_TABLE, [
      `${q('object_key')} ${text} NOT NULL`,
      `${q('etag')} ${text}`,
      `${q('reason')} ${text} NOT NULL`,
      `${q('failed_at')} ${ts} NOT NULL`,
    ]),
    // The sweep's cursor: per prefix, its watermark (epoch ms; objects stored before it were
    // verified) and its place in the next run's queue (null: finished).
    createTable(dialect, schema, SWEEP_MARKS_TABLE, [
      `${q('prefix')} ${text} PRIMARY KEY`,
      `${q('verified_before')} ${bigint}`,
      `${q('pending')} ${bigint}`,
      `${q('updated_at')} ${ts} NOT NULL`,
    ]),
    // A ledger created before manifests gains the column.
    `ALTER TABLE ${schema}.${q(LEDGER_TABLE)} ADD COLUMN IF NOT EXISTS ${q('manifest')} ${longText};`,
  ];
}

/** The whole DDL file for a dialect, as committed under sql/warehouse/. */
export function rawDdlFile(dialect: Dialect): string {
  const header = [
    `-- RAW layer for ${dialect === 'duckdb' ? 'DuckDB' : 'Snowflake'}: every change row of every table, plus the load ledger.`,
    '-- Generated from functions/shared/tables.ts by functions/loader/ddl.ts; do not edit by hand:',
    `--   npx tsx infra/local/cli/warehouseDdl.ts ${dialect} > sql/warehouse/${dialect}.sql`,
  ];
  return `${header.join('\n')}\n\n${rawDdlStatements(dialect).join('\n\n')}\n`;
}
