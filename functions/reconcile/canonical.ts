/**
 * Canonical text of each column, computed in SQL on both sides so that source and warehouse rows
 * compare as strings with no float in between: integers and decimals as their exact text,
 * timestamps as epoch microseconds, NULL as a marker.
 */
import { TABLES, type ColumnDef, type TableName } from '../shared/tables';

export const NULL_MARK = '\u2205';

const q = (name: string) => `"${name}"`;

export function postgresCanonical(col: ColumnDef): string {
  const c = q(col.name);
  const expr =
    col.type === 'timestamptz'
      ? `((extract(epoch from ${c}) * 1000000)::bigint)::text`
      : col.type === 'char'
        ? `rtrim(${c})`
        : `${c}::text`;
  return `coalesce(${expr}, '${NULL_MARK}')`;
}

export function duckdbCanonical(col: ColumnDef): string {
  const c = q(col.name);
  const expr =
    col.type === 'timestamptz'
      ? `CAST(epoch_us(${c}) AS VARCHAR)`
      : col.type === 'char'
        ? `rtrim(${c})`
        : `CAST(${c} AS VARCHAR)`;
  return `coalesce(${expr}, '${NULL_MARK}')`;
}

/** SELECT of (key, canonical row) for the source table. */
export function sourceRowsSql(table: TableName): string {
  const def = TABLES[table];
  const row = def.columns.map(postgresCanonical).join(` || '|' || `);
  return `SELECT ${def.key.map(q).join(', ')}::text AS k, ${row} AS r FROM ${q(table)}`;
}

/** Current state of a table from the RAW change log: the latest change per key, deletes dropped. */
export function warehouseCurrentSql(table: TableName, schema = 'raw'): string {
  const def = TABLES[table];
  const key = def.key.map(q).join(', ');
  return `SELECT * FROM (
      SELECT *, row_number() OVER (PARTITION BY ${key} ORDER BY _lsn DESC, _kafka_offset DESC) AS _rn
      FROM ${schema}.${q(table)}
    ) WHERE _rn = 1 AND _op <> 'd'`;
}

export function warehouseRowsSql(table: TableName, schema = 'raw'): string {
  const def = TABLES[table];
  const row = def.columns.map(duckdbCanonical).join(` || '|' || `);
  return `SELECT CAST(${def.key.map(q).join(', ')} AS VARCHAR) AS k, ${row} AS r FROM (${warehouseCurrentSql(table, schema)})`;
}
