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
import { LEDGER_TABLE, LOAD_ERRORS_TABLE, SWEEP_MARKS_TABLE, rawDdlStatements, rawTable } from './ddl';
import { snowflakeIdent } from './identifiers';
import { manifestSelectList } from './manifestCheck';

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

/** The stage's root: COPY names each file by its key relative to it, so `_file` = METADATA$FILENAME = the key. */
function stageRoot(t: SnowflakeTarget, table: TableName): string {
  return t.stage ? `@${t.stage}/` : `@${schemaName(t)}.%${table}/`;
}

/** Where PUT places the object in the table stage: its key's folder. */
function stageFolder(t: SnowflakeTarget, table: TableName, key: string): string {
  return `${stageRoot(t, table)}${posix.dirname(key)}/`;
}

export function putStatement(t: SnowflakeTarget, table: TableName, key: string, localPath: string): string {
  if (posix.basename(localPath) !== posix.basename(key)) {
    throw new Error(`PUT names the staged file after the local file: ${localPath} must be named ${posix.basename(key)}`);
  }
  // OVERWRITE: a corrected object under the same key must replace the staged copy.
  return `PUT ${sfString(`file://${localPath}`)} ${stageFolder(t, table, key)} AUTO_COMPRESS = FALSE OVERWRITE = TRUE`;
}

/** Snowflake takes at most 1,000 names in one COPY's FILES list. */
export const MAX_COPY_FILES = 1000;

/**
 * One COPY for many objects of one table. FORCE reloads files Snowflake's load metadata says were
 * loaded: used only for files the ledger lacks (a re-drive after the 64-day metadata, a file loaded
 * by a transaction that rolled back), never as the first attempt.
 */
export function copyStatement(
  t: SnowflakeTarget,
  table: TableName,
  keys: readonly string[],
  opts: { force?: boolean } = {},
): string {
  if (keys.length === 0 || keys.length > MAX_COPY_FILES)
    throw new Error(`COPY takes 1 to ${MAX_COPY_FILES} files, got ${keys.length}`);
  return [
    `COPY INTO ${rawTable('snowflake', table, schemaName(t))}`,
    `FROM ${stageRoot(t, table)}`,
    `FILES = (${keys.map(sfString).join(', ')})`,
    // USE_LOGICAL_TYPE: read TIMESTAMP(MICROS, UTC) and DECIMAL(18,2) as such, never as numbers.
    'FILE_FORMAT = (TYPE = PARQUET USE_LOGICAL_TYPE = TRUE)',
    'MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE',
    'INCLUDE_METADATA = (_file = METADATA$FILENAME, _loaded_at = METADATA$START_SCAN_TIME)',
    'ON_ERROR = ABORT_STATEMENT',
    ...(opts.force ? ['FORCE = TRUE'] : []),
  ].join('\n');
}

/**
 * Bounds on this session's statements: a statement (or a wait for a lock) that would outlive the
 * invocation is cancelled by Snowflake itself, so a Lambda timeout never leaves a transaction
 * holding RAW's and the ledger's locks for Snowflake's default LOCK_TIMEOUT (12 h).
 */
export function sessionTimeouts(statementSeconds: number, lockSeconds: number): string {
  const s = Math.max(1, Math.floor(statementSeconds));
  const l = Math.max(1, Math.min(s, Math.floor(lockSeconds)));
  return `ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = ${s} LOCK_TIMEOUT = ${l}`;
}

export function ledgerLookup(t: SnowflakeTarget, keyCount: number): string {
  return `SELECT object_key FROM ${schemaName(t)}.${LEDGER_TABLE} WHERE object_key IN (${Array(keyCount).fill('?').join(', ')})`;
}

export function ledgerRange(t: SnowflakeTarget): string {
  return `SELECT object_key FROM ${schemaName(t)}.${LEDGER_TABLE} WHERE object_key BETWEEN ? AND ?`;
}

export function ledgerInsert(t: SnowflakeTarget, rowCount = 1): string {
  const row = '(?, ?, ?, ?, CURRENT_TIMESTAMP(), ?)';
  return `INSERT INTO ${schemaName(t)}.${LEDGER_TABLE} (object_key, table_name, etag, row_count, loaded_at, manifest) VALUES ${Array(rowCount).fill(row).join(', ')}`;
}

/** What a manifest is computed from, for the rows COPY loaded from these files (by `_file`), with the file as FILE. */
export function rawRowsOfFiles(t: SnowflakeTarget, table: TableName, fileCount: number): string {
  return `SELECT _file AS file, ${manifestSelectList('snowflake', table)} FROM ${rawTable('snowflake', table, schemaName(t))} WHERE _file IN (${Array(fileCount).fill('?').join(', ')})`;
}

export function loadErrorInsert(t: SnowflakeTarget): string {
  return `INSERT INTO ${schemaName(t)}.${LOAD_ERRORS_TABLE} (object_key, etag, reason, failed_at) VALUES (?, ?, ?, CURRENT_TIMESTAMP())`;
}

export interface CopiedFile {
  /** The file as COPY names it: the key for an internal stage, a URL ending in the key for an external one. */
  file: string;
  status: string;
  rows: number;
}

/** COPY's result, one row per file (column case varies by driver settings); a 0-file COPY has one row with a status sentence only. */
export function copyResult(result: ReadonlyArray<Record<string, unknown>>): CopiedFile[] {
  const out: CopiedFile[] = [];
  for (const r of result) {
    const get = (name: string) => Object.entries(r).find(([k]) => k.toLowerCase() === name)?.[1];
    const file = get('file');
    if (typeof file !== 'string' || file === '') continue;
    out.push({ file, status: String(get('status') ?? '').toUpperCase(), rows: Number(get('rows_loaded') ?? 0) });
  }
  return out;
}

/** Which COPY row is this key's: COPY names a file relative to the stage, or by its full URL. */
export function fileMatchesKey(file: string, key: string): boolean {
  return file === key || file.endsWith(`/${key}`);
}

const [MARK_PREFIX, MARK_VERIFIED, MARK_PENDING, MARK_UPDATED] = ['prefix', 'verified_before', 'pending', 'updated_at'].map(
  snowflakeIdent,
) as [string, string, string, string];

/** The sweep's cursor (port.ts SweepMark): every prefix's row. */
export function sweepMarksSelect(t: SnowflakeTarget): string {
  return `SELECT ${MARK_PREFIX}, ${MARK_VERIFIED}, ${MARK_PENDING} FROM ${rawTable('snowflake', SWEEP_MARKS_TABLE, schemaName(t))}`;
}

/** Upsert `rowCount` prefixes' marks in one statement (binds: prefix, verified_before, pending per row; prefixes distinct). */
export function sweepMarksMerge(t: SnowflakeTarget, rowCount: number): string {
  const rows = Array(rowCount).fill('(?, ?, ?)').join(', ');
  return [
    `MERGE INTO ${rawTable('snowflake', SWEEP_MARKS_TABLE, schemaName(t))} AS t`,
    `USING (SELECT column1 AS ${MARK_PREFIX}, column2 AS ${MARK_VERIFIED}, column3 AS ${MARK_PENDING} FROM VALUES ${rows}) AS s`,
    `ON t.${MARK_PREFIX} = s.${MARK_PREFIX}`,
    `WHEN MATCHED THEN UPDATE SET ${MARK_VERIFIED} = s.${MARK_VERIFIED}, ${MARK_PENDING} = s.${MARK_PENDING}, ${MARK_UPDATED} = CURRENT_TIMESTAMP()`,
    `WHEN NOT MATCHED THEN INSERT (${MARK_PREFIX}, ${MARK_VERIFIED}, ${MARK_PENDING}, ${MARK_UPDATED}) VALUES (s.${MARK_PREFIX}, s.${MARK_VERIFIED}, s.${MARK_PENDING}, CURRENT_TIMESTAMP())`,
  ].join('\n');
}
