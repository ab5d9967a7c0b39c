/**
 * Parquet schema of a table's change rows, derived from the table definitions (the loader's
 * contract): int32 -> INT32, int64 -> INT64, text/char -> STRING, decimal -> DECIMAL(p,s) on INT64
 * (p <= 18 fits, and every reader maps it back exactly), timestamptz -> TIMESTAMP(UTC, MICROS).
 */
import type { SchemaElement } from 'hyparquet-writer';
import { changeColumns, type ColumnDef, type TableName } from '../shared/tables';

function columnElement(col: ColumnDef): SchemaElement {
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
      if (precision > 18) throw new Error(`column ${col.name}: DECIMAL(${precision}) does not fit INT64`);
      return {
        name: col.name,
        type: 'INT64',
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
  }
}

export function parquetSchema(table: TableName): SchemaElement[] {
  const cols = changeColumns(table);
  return [{ name: 'root', num_children: cols.length }, ...cols.map(columnElement)];
}
