/**
 * Canonical text of each column, computed in SQL on both sides so that source and warehouse rows
 * compare as strings with no float in between: integers and decimals as their exact text,
 * timestamps as epoch microseconds, NULL as a marker.
 */
import { TABLES, type DeclaredTable } from '../shared/tables';

export const NULL_MARK = '\u2205';

const q = (name: string) => `"${name}"`;

/** A column compared by reconciliation: its name and how its text is made canonical. */
export interface ReconColumn {
  readonly name: string;
  /** timestamptz: epoch micros; char: right-trimmed; anything else: its text (numeric keeps its scale). */
  readonly type: string;
  /** False when the warehouse has no such column yet: every value there is NULL. */
  readonly inWarehouse?: boolean;
}

/** The table's columns from tables.ts (a source whose schema has not evolved). */
export function declaredColumns(table: DeclaredTable): ReconColumn[] {
  return TABLES[table].columns.map((c) => ({ name: c.name, type: c.type }));
}

/** Postgres information_schema data_type to the canonical kinds above. */
export function reconTypeOf(dataType: string): string {
  if (dataType === 'timestamp with time zone') return 'timestamptz';
  if (dataType === 'character') return 'char';
  if (dataType === 'real' || dataType === 'double precision') return 'float';
  if (dataType === 'bytea') return 'bytes';
  if (dataType === 'ARRAY') return 'array';
  if (dataType === 'interval') return 'interval';
  return 'other';
}

/**
 * An INTERVAL as Debezium writes it (interval.handling.mode=string), which is what the lake holds:
 * P<y>Y<m>M<d>DT<h>H<mi>M<s>S, seconds without trailing zeros.
 */
function postgresIsoInterval(c: string): string {
  const part = (f: string) => `extract(${f} from ${c})::int::text`;
  return (
    `'P' || ${part('year')} || 'Y' || ${part('month')} || 'M' || ${part('day')} || 'DT' || ${part('hour')} || 'H' || ` +
    `${part('minute')} || 'M' || rtrim(rtrim(extract(second from ${c})::text, '0'), '.') || 'S'`
  );
}

export function postgresCanonical(col: ReconColumn): string {
  const c = q(col.name);
  const expr: Record<string, string> = {
    timestamptz: `((extract(epoch from ${c}) * 1000000)::bigint)::text`,
    char: `rtrim(${c})`,
    // Shortest round-trip text of the double (a REAL widened exactly): the same digits DuckDB prints.
    float: `${c}::float8::text`,
    bytes: `encode(${c}, 'hex')`,
    // The lake holds an array as JSON text.
    array: `array_to_json(${c})::text`,
    interval: postgresIsoInterval(c),
  };
  return `coalesce(${expr[col.type] ?? `${c}::text`}, '${NULL_MARK}')`;
}

export function duckdbCanonical(col: ReconColumn): string {
  if (col.inWarehouse === false) return `'${NULL_MARK}'`;
  const c = q(col.name);
  const float = `CAST(CAST(${c} AS DOUBLE) AS VARCHAR)`;
  const expr: Record<string, string> = {
    timestamptz: `CAST(epoch_us(${c}) AS VARCHAR)`,
    char: `rtrim(${c})`,
    // DuckDB spells the non-finite values nan, inf, -inf; Postgres NaN, Infinity, -Infinity.
    float: `CASE ${float} WHEN 'nan' THEN 'NaN' WHEN 'inf' THEN 'Infinity' WHEN '-inf' THEN '-Infinity' ELSE ${float} END`,
    bytes: `lower(hex(${c}))`,
  };
  return `coalesce(${expr[col.type] ?? `CAST(${c} AS VARCHAR)`}, '${NULL_MARK}')`;
}

/** SELECT of (key, canonical row) for the source table. */
export function sourceRowsSql(table: DeclaredTable, columns: readonly ReconColumn[] = declaredColumns(table)): string {
  const def = TABLES[table];
  const row = columns.map(postgresCanonical).join(` || '|' || `);
  return `SELECT ${def.key.map(q).join(', ')}::text AS k, ${row} AS r FROM ${q(table)}`;
}

/**
 * Current state of a table from the RAW change log: the latest change per key, deletes dropped.
 * `asOf`, a predicate over RAW's columns, keeps only the changes up to a watermark (verify.ts).
 */
export function warehouseCurrentSql(table: DeclaredTable, schema = 'raw', asOf?: string): string {
  const def = TABLES[table];
  const key = def.key.map(q).join(', ');
  return `SELECT * FROM (
      SELECT *, row_number() OVER (PARTITION BY ${key} ORDER BY _lsn DESC, _kafka_offset DESC) AS _rn
      FROM ${schema}.${q(table)}${asOf ? ` WHERE ${asOf}` : ''}
    ) WHERE _rn = 1 AND _op <> 'd'`;
}

export function warehouseRowsSql(
  table: DeclaredTable,
  schema = 'raw',
  columns: readonly ReconColumn[] = declaredColumns(table),
  asOf?: string,
): string {
  const def = TABLES[table];
  const row = columns.map(duckdbCanonical).join(` || '|' || `);
  return `SELECT CAST(${def.key.map(q).join(', ')} AS VARCHAR) AS k, ${row} AS r FROM (${warehouseCurrentSql(table, schema, asOf)})`;
}
