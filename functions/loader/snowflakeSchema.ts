/**
 * Additive schema evolution for the Snowflake adapter: RAW gains the columns an object carries
 * that it lacks (ALTER TABLE ... ADD COLUMN IF NOT EXISTS, NUMBER(p,s) for DECIMAL, TIMESTAMP_TZ
 * for UTC timestamps), before the load's transaction: DDL commits implicitly in Snowflake, and
 * an added nullable column is harmless if the load is then rolled back. COPY's
 * MATCH_BY_COLUMN_NAME loads an older object without the column as NULL.
 */
import { ServiceError, errorMessage } from '../shared/errors';
import type { TableName } from '../shared/tables';
import { readLakeColumns, snowflakeColumnType, type LakeColumn } from './parquetColumns';
import { CorruptObjectError, ObjectMissingError } from './errors';
import { type Log, type ObjectToLoad } from './port';
import { rawTable, rawTableFromObject } from './ddl';
import { snowflakeIdent, snowflakeLakeName, snowflakeStoredName } from './identifiers';
import { planColumns } from './rawColumns';
import { schemaName, type SnowflakeTarget } from './snowflakeSql';
import type { SqlConnection } from './snowflakeWarehouse';

export function rawColumnsQuery(t: SnowflakeTarget): string {
  return `SELECT column_name, data_type, numeric_precision, numeric_scale FROM ${t.database}.information_schema.columns WHERE table_schema = ? AND table_name = ?`;
}

/** information_schema's spelling to snowflakeColumnType's, so the two can be compared. */
export function comparableType(row: Record<string, unknown>): string {
  const get = (name: string) => Object.entries(row).find(([k]) => k.toLowerCase() === name)?.[1];
  const type = String(get('data_type') ?? '').toUpperCase();
  if (type === 'NUMBER') return `NUMBER(${Number(get('numeric_precision') ?? 38)},${Number(get('numeric_scale') ?? 0)})`;
  if (type === 'TEXT') return 'VARCHAR';
  if (type === 'TIMESTAMP_TZ' || type === 'TIMESTAMP_NTZ' || type === 'TIMESTAMP_LTZ') return `${type}(6)`;
  return type;
}

export function addColumnStatement(t: SnowflakeTarget, table: TableName, col: LakeColumn): string {
  return `ALTER TABLE ${rawTable('snowflake', table, schemaName(t))} ADD COLUMN IF NOT EXISTS ${snowflakeIdent(col.name)} ${snowflakeColumnType(col.type)}`;
}

export function widenColumnStatement(t: SnowflakeTarget, table: TableName, col: LakeColumn): string {
  return `ALTER TABLE ${rawTable('snowflake', table, schemaName(t))} ALTER COLUMN ${snowflakeIdent(col.name)} SET DATA TYPE ${snowflakeColumnType(col.type)}`;
}

/** Adds what the objects need; throws CorruptObjectError for the first object that cannot load. */
export async function evolveSchema(
  conn: SqlConnection,
  t: SnowflakeTarget,
  objects: readonly ObjectToLoad[],
  log: Log,
): Promise<void> {
  const rawByTable = new Map<TableName, Map<string, string>>();
  for (const object of objects) {
    let raw = rawByTable.get(object.table);
    if (!raw) {
      const rows = await conn.execute(rawColumnsQuery(t), [t.schema.toUpperCase(), snowflakeStoredName(object.table)]);
      raw = new Map(
        rows.map((r) => [
          snowflakeLakeName(String(Object.entries(r).find(([k]) => k.toLowerCase() === 'column_name')?.[1])),
          comparableType(r),
        ]),
      );
      rawByTable.set(object.table, raw);
    }
    // A download that fails is the store's problem (retried), not the object's.
    const file = await object.localFile().catch((err: unknown) => {
      if (err instanceof ObjectMissingError) throw err;
      throw new ServiceError('s3', `cannot download ${object.key} to read its columns: ${errorMessage(err)}`, { cause: err });
    });
    let read: Awaited<ReturnType<typeof readLakeColumns>>;
    try {
      read = await readLakeColumns(file);
    } catch (err) {
      throw new CorruptObjectError(object.key, `not a readable Parquet file: ${errorMessage(err)}`, { cause: err });
    }
    if (raw.size === 0 && read.problems.length === 0) {
      // A table tables.ts does not declare: RAW's table comes from its first object.
      const typed = read.columns.map((c) => ({ name: c.name, type: snowflakeColumnType(c.type) }));
      await conn.execute(rawTableFromObject('snowflake', object.table, typed, schemaName(t)));
      for (const c of typed) raw.set(c.name, c.type);
      raw.set('_file', 'VARCHAR(1024)').set('_loaded_at', 'TIMESTAMP_TZ(6)');
      log.info('created a RAW table from its first object', { table: object.table, columns: typed.length, from: object.key });
    }
    const plan = read.problems.length
      ? { problems: read.problems }
      : planColumns(object.table, read.columns, raw, snowflakeColumnType);
    if ('problems' in plan) throw new CorruptObjectError(object.key, plan.problems.join('; '));
    const changes = [
      ...plan.add.map((col) => ({ col, sql: addColumnStatement(t, object.table, col), what: 'added a column to RAW' })),
      ...plan.widen.map((col) => ({ col, sql: widenColumnStatement(t, object.table, col), what: 'widened a RAW column' })),
    ];
    for (const { col, sql, what } of changes) {
      await conn.execute(sql);
      const type = snowflakeColumnType(col.type);
      raw.set(col.name, type);
      log.info(what, { table: object.table, column: col.name, type, from: object.key });
    }
  }
}
