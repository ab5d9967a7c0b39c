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

export function columnElement(col: ColumnDef): SchemaElement {
  const repetition_type = col.nullable ? 'OPTIONAL' : 'REQUIRED';
  switch (col.type) {
    case 'int32':
      return { name: col.name, type: 'INT32', repetition_type };
    case 'int64':
      return { name: col.name, type: 'INT64', repetition_type };
    case 'text':
    case 'char':
      return { name: col.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type };
    case 'decimal': {
      const precision = col.precision ?? 18;
      const scale = col.scale ?? 0;
      if (precision > 38) throw new Error(`column ${col.name}: DECIMAL(${precision}) exceeds 38 digits`);
      return {
        name: col.name,
        // Up to 18 digits on INT64 (what every reader maps back exactly); up to 38 on 16 bytes.
        ...(precision <= 18 ? { type: 'INT64' as const } : { type: 'FIXED_LEN_BYTE_ARRAY' as const, type_length: 16 }),
        converted_type: 'DECIMAL',
        logical_type: { type: 'DECIMAL', precision, scale },
        precision,
        scale,
        repetition_type,
      };
    }
    case 'timestamptz':
      return {
        name: col.name,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MICROS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
        repetition_type,
      };
    case 'timestamp':
      // No converted type: TIMESTAMP_MICROS would mean UTC-adjusted.
      return {
        name: col.name,
        type: 'INT64',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' },
        repetition_type,
      };
    case 'time':
      return {
        name: col.name,
        type: 'INT64',
        converted_type: 'TIME_MICROS',
        logical_type: { type: 'TIME', isAdjustedToUTC: false, unit: 'MICROS' },
        repetition_type,
      };
    case 'date':
      return { name: col.name, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' }, repetition_type };
    case 'boolean':
      return { name: col.name, type: 'BOOLEAN', repetition_type };
    case 'float':
      return { name: col.name, type: 'FLOAT', repetition_type };
    case 'double':
      return { name: col.name, type: 'DOUBLE', repetition_type };
    case 'bytes':
      return { name: col.name, type: 'BYTE_ARRAY', repetition_type };
  }
}

/** The schema of an object with these columns, in this order. */
export function schemaOf(columns: readonly ColumnDef[]): SchemaElement[] {
  return [{ name: 'root', num_children: columns.length }, ...columns.map(columnElement)];
}

/** The schema of a table's objects without evolved columns. */
export function parquetSchema(table: TableName): SchemaElement[] {
  return schemaOf(changeColumns(table));
}
