/**
 * Every column kind's type name in each dialect, in one table: Postgres (as information_schema
 * and sql/postgres spell it), DuckDB's DDL, DuckDB's information_schema (what DESCRIBE and
 * data_type report, so RAW's columns can be compared), and Snowflake. `{l}` is a length (dropped
 * when there is none, as for a lake column), `{p},{s}` a precision and scale.
 */
import typeNames from './typeNames.json';

export type TypeKind =
  | 'int32'
  | 'int64'
  | 'text'
  | 'char'
  | 'decimal'
  | 'timestamptz'
  | 'boolean'
  | 'date'
  | 'timestamp'
  | 'double'
  | 'float'
  | 'time'
  | 'bytes';

export type TypeDialect = 'postgres' | 'duckdb' | 'duckdbDescribed' | 'snowflake';

const DIALECTS: readonly TypeDialect[] = ['postgres', 'duckdb', 'duckdbDescribed', 'snowflake'];

// The names, one row per kind in the order of DIALECTS, are data (typeNames.json).
// Snowflake's FLOAT is a double: every REAL value is one, exactly.
const NAMES: Readonly<Record<TypeKind, readonly string[]>> = typeNames;

export interface TypeParams {
  readonly length?: number;
  readonly precision?: number;
  readonly scale?: number;
}

/** The type name of a column kind in a dialect, with its length or precision and scale. */
export function typeName(dialect: TypeDialect, kind: TypeKind, p: TypeParams = {}): string {
  const template = NAMES[kind][DIALECTS.indexOf(dialect)]!;
  return template
    .replace('({l})', p.length === undefined ? '' : `(${p.length})`)
    .replace('{p}', String(p.precision))
    .replace('{s}', String(p.scale));
}
