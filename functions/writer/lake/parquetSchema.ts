/**
 * Parquet schema of a lake object: the contract with the loader.
 *
 * Column order: the table's columns from functions/shared/tables.ts, then the CDC metadata
 * (`_op, _lsn, _source_ts_ms, _tx_id, _kafka_topic, _kafka_partition, _kafka_offset`), then any
 * schema-evolved columns: columns added in Postgres (ALTER TABLE ADD COLUMN) that tables.ts does
 * not list yet, known from Debezium's inline schema, in the order Postgres reports them. Objects
 * written before and after an ALTER therefore agree on every column they share, by name and by
 * position. Evolved columns are always OPTIONAL (older rows lack them). A reader adds to RAW any
 * column an object has and RAW lacks (by name, with the type below), and reads a column an object
 * lacks as null.
 *
 * Types (README, "Types in every layer"): int32 -> INT32, int64 -> INT64, text/char -> STRING,
 * decimal(p,s) -> DECIMAL(p,s) on INT64 (p <= 18) or 16-byte FIXED_LEN_BYTE_ARRAY (p <= 38),
 * timestamptz -> TIMESTAMP(UTC, MICROS), timestamp -> TIMESTAMP(local, MICROS), time -> TIME(MICROS),
 * date -> DATE, boolean -> BOOLEAN, float -> FLOAT, double -> DOUBLE, bytes -> BYTE_ARRAY.
 */
import type { SchemaElement } from 'hyparquet-writer';
import { changeColumns, type ColumnDef, type TableName } from '../../shared/tables';

type ElementType = Omit<SchemaElement, 'name' | 'repetition_type'>;
const MICROS = 'MICROS' as const;

// The element of each kind with a fixed Parquet type (decimal's depends on its precision).
// No converted type for `timestamp`: TIMESTAMP_MICROS would mean UTC-adjusted.
const FIXED: Readonly<Record<Exclude<ColumnDef['type'], 'decimal'>, ElementType>> = {
  int32: { type: 'INT32' },
  int64: { type: 'INT64' },
  text: { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } },
  char: { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } },
  timestamptz: {
    type: 'INT64',
    converted_type: 'TIMESTAMP_MICROS',
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: MICROS },
  },
  timestamp: { type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: MICROS } },
  time: { type: 'INT64', converted_type: 'TIME_MICROS', logical_type: { type: 'TIME', isAdjustedToUTC: false, unit: MICROS } },
  date: { type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } },
  boolean: { type: 'BOOLEAN' },
  float: { type: 'FLOAT' },
  double: { type: 'DOUBLE' },
  bytes: { type: 'BYTE_ARRAY' },
};

function decimalElement(col: ColumnDef): ElementType {
  const precision = col.precision ?? 18;
  const scale = col.scale ?? 0;
  if (precision > 38) throw new Error(`column ${col.name}: DECIMAL(${precision}) exceeds 38 digits`);
  return {
    // Up to 18 digits on INT64 (what every reader maps back exactly); up to 38 on 16 bytes.
    ...(precision <= 18 ? { type: 'INT64' as const } : { type: 'FIXED_LEN_BYTE_ARRAY' as const, type_length: 16 }),
    converted_type: 'DECIMAL',
    logical_type: { type: 'DECIMAL', precision, scale },
    precision,
    scale,
  };
}

export function columnElement(col: ColumnDef): SchemaElement {
  const repetition_type = col.nullable ? 'OPTIONAL' : 'REQUIRED';
  const element = col.type === 'decimal' ? decimalElement(col) : FIXED[col.type];
  return { name: col.name, ...element, repetition_type };
}

/** The schema of an object with these columns, in this order. */
export function schemaOf(columns: readonly ColumnDef[]): SchemaElement[] {
  return [{ name: 'root', num_children: columns.length }, ...columns.map(columnElement)];
}

/** The schema of a table's objects without evolved columns. */
export function parquetSchema(table: TableName): SchemaElement[] {
  return schemaOf(changeColumns(table));
}
