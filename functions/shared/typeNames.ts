/**
 * Every column kind's type name in each dialect, in one table: Postgres (as information_schema
 * and sql/postgres spell it), DuckDB's DDL, DuckDB's information_schema (what DESCRIBE and
 * data_type report, so RAW's columns can be compared), and Snowflake. `{l}` is a length (dropped
 * when there is none, as for a lake column), `{p},{s}` a precision and scale.
 */
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

// prettier-ignore
const NAMES: Readonly<Record<TypeKind, readonly [string, string, string, string]>> = {
  int32:       ['integer',                     'INTEGER',         'INTEGER',                  'NUMBER(38,0)'],
  int64:       ['bigint',                      'BIGINT',          'BIGINT',                   'NUMBER(38,0)'],
  text:        ['character varying({l})',      'VARCHAR',         'VARCHAR',                  'VARCHAR({l})'],
  char:        ['character({l})',              'VARCHAR',         'VARCHAR',                  'VARCHAR({l})'],
  decimal:     ['numeric({p},{s})',            'DECIMAL({p},{s})', 'DECIMAL({p},{s})',        'NUMBER({p},{s})'],
  timestamptz: ['timestamp with time zone',    'TIMESTAMPTZ',     'TIMESTAMP WITH TIME ZONE', 'TIMESTAMP_TZ(6)'],
  boolean:     ['boolean',                     'BOOLEAN',         'BOOLEAN',                  'BOOLEAN'],
  date:        ['date',                        'DATE',            'DATE',                     'DATE'],
  timestamp:   ['timestamp without time zone', 'TIMESTAMP',       'TIMESTAMP',                'TIMESTAMP_NTZ(6)'],
  double:      ['double precision',            'DOUBLE',          'DOUBLE',                   'FLOAT'],
  // Snowflake's FLOAT is a double: every REAL value is one, exactly.
  float:       ['real',                        'FLOAT',           'FLOAT',                    'FLOAT'],
  time:        ['time without time zone',      'TIME',            'TIME',                     'TIME(6)'],
  bytes:       ['bytea',                       'BLOB',            'BLOB',                     'BINARY'],
};

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
