/**
 * The SQL the Snowflake adapter issues, as pure functions so it can be unit-tested without an
 * account. Loading one object:
 *   internal stage: PUT the local file to the table's stage at the object's key path, then COPY;
 *   external stage (SNOWFLAKE_STAGE, pointing at the bucket root): COPY straight from the bucket.
 * The COPY and the ledger row share one explicit transaction; Snowflake's own load history
 * (COPY skips a staged file it has already loaded) is a second guard.
 */
import { posix } from 'node:path';
import type { TableName } from '../shared/tables';
import { LEDGER_TABLE, LOAD_ERRORS_TABLE, rawDdlStatements, rawTable } from './ddl';

export interface SnowflakeTarget {
  database: string;
  schema: string;
  /** Named external stage on the lake bucket's root; empty to PUT into each table's internal stage. */
  stage: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;
const STAGE_NAME = /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*){0,2}$/;

/** Reject names that would need quoting: they come from config and are spliced into SQL. */
export function validateTarget(t: SnowflakeTarget): SnowflakeTarget {
  if (!IDENTIFIER.test(t.database)) throw new Error(`SNOWFLAKE_DB ${JSON.stringify(t.database)} is not a plain identifier`);
  if (!IDENTIFIER.test(t.schema)) throw new Error(`SNOWFLAKE_SCHEMA ${JSON.stringify(t.schema)} is not a plain identifier`);
  if (t.stage && !STAGE_NAME.test(t.stage))
    throw new Error(`SNOWFLAKE_STAGE ${JSON.stringify(t.stage)} is not a (qualified) stage name`);
  return t;
}

/** Single-quoted SQL string literal. */
export function sfString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function schemaName(t: SnowflakeTarget): string {
  return `${t.database}.${t.schema}`;
}

export function snowflakeDdl(t: SnowflakeTarget): string[] {
  return rawDdlStatements('snowflake', schemaName(t)).map((s) => s.replace(/;$/, ''));
}

/** Where the object sits in the stage: its key's folder (so `_file` = METADATA$FILENAME = the key). */
function stageLocation(t: SnowflakeTarget, table: TableName, key: string): string {
  const dir = posix.dirname(key);
  const stage = t.stage ? `@${t.stage}` : `@${schemaName(t)}.%${table}`;
  return `${stage}/${dir}/`;
}

export function putStatement(t: SnowflakeTarget, table: TableName, key: string, localPath: string): string {
  if (posix.basename(localPath) !== posix.basename(key)) {
    throw new Error(`PUT names the staged file after the local file: ${localPath} must be named ${posix.basename(key)}`);
  }
  // OVERWRITE: a corrected object under the same key must replace the staged copy.
  return `PUT ${sfString(`file://${localPath}`)} ${stageLocation(t, table, key)} AUTO_COMPRESS = FALSE OVERWRITE = TRUE`;
}

export function copyStatement(t: SnowflakeTarget, table: TableName, key: string): string {
  return [
    `COPY INTO ${rawTable('snowflake', table, schemaName(t))}`,
    `FROM ${stageLocation(t, table, key)}`,
    `FILES = (${sfString(posix.basename(key))})`,
    // USE_LOGICAL_TYPE: read TIMESTAMP(MICROS, UTC) and DECIMAL(18,2) as such, never as numbers.
    'FILE_FORMAT = (TYPE = PARQUET USE_LOGICAL_TYPE = TRUE)',
    'MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE',
    'INCLUDE_METADATA = (_file = METADATA$FILENAME, _loaded_at = METADATA$START_SCAN_TIME)',
    'ON_ERROR = ABORT_STATEMENT',
  ].join('\n');
}

export function ledgerLookup(t: SnowflakeTarget, keyCount: number): string {
  return `SELECT object_key FROM ${schemaName(t)}.${LEDGER_TABLE} WHERE object_key IN (${Array(keyCount).fill('?').join(', ')})`;
}

export function ledgerInsert(t: SnowflakeTarget): string {
  return `INSERT INTO ${schemaName(t)}.${LEDGER_TABLE} (object_key, table_name, etag, row_count, loaded_at) VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP())`;
}

export function loadErrorInsert(t: SnowflakeTarget): string {
  return `INSERT INTO ${schemaName(t)}.${LOAD_ERRORS_TABLE} (object_key, etag, reason, failed_at) VALUES (?, ?, ?, CURRENT_TIMESTAMP())`;
}

/** Rows loaded according to COPY's result (one row per file; column case varies by driver settings). */
export function rowsLoaded(result: ReadonlyArray<Record<string, unknown>>): { rows: number; loadedFiles: number } {
  let rows = 0;
  let loadedFiles = 0;
  for (const r of result) {
    const get = (name: string) => Object.entries(r).find(([k]) => k.toLowerCase() === name)?.[1];
    const status = String(get('status') ?? '').toUpperCase();
    if (status === 'LOADED' || status === 'PARTIALLY_LOADED') {
      loadedFiles++;
      rows += Number(get('rows_loaded') ?? 0);
    }
  }
  return { rows, loadedFiles };
}
