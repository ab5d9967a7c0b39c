/**
 * Change rows of one table to the bytes of one Parquet file (hyparquet-writer). Deterministic:
 * the same rows give the same bytes, so a retried batch rewrites an identical object.
 */
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import type { CellValue, ChangeRow } from '../shared/rows';
import { changeColumns, type ColumnDef, type TableName } from '../shared/tables';
import { parquetSchema } from './parquetSchema';

const CREATED_BY = 'banking-cdc-serverless (hyparquet-writer)';

/** Canonical decimal string ("-12.30") to its unscaled integer (-1230n), checking the scale. */
export function unscaledDecimal(value: string, scale: number): bigint {
  const dot = value.indexOf('.');
  const fractionDigits = dot < 0 ? 0 : value.length - dot - 1;
  if (fractionDigits !== scale || !/^-?\d+(\.\d+)?$/.test(value)) {
    throw new TypeError(`decimal ${JSON.stringify(value)} is not canonical with scale ${scale}`);
  }
  return BigInt(dot < 0 ? value : value.slice(0, dot) + value.slice(dot + 1));
}

function expect(col: ColumnDef, v: CellValue, ok: boolean): void {
  if (!ok) throw new TypeError(`column ${col.name} (${col.type}): unexpected value ${String(v)} (${typeof v})`);
}

/** The physical value hyparquet-writer gets for a cell; money and instants stay bigint. */
function physical(col: ColumnDef, v: CellValue): number | bigint | string | null {
  if (v === null || v === undefined) {
    if (!col.nullable) throw new TypeError(`column ${col.name} is required but null`);
    return null;
  }
  switch (col.type) {
    case 'int32':
      expect(col, v, typeof v === 'number' && Number.isInteger(v));
      return v;
    case 'int64':
    case 'timestamptz':
      expect(col, v, typeof v === 'bigint');
      return v;
    case 'text':
    case 'char':
      expect(col, v, typeof v === 'string');
      return v;
    case 'decimal':
      expect(col, v, typeof v === 'string');
      return unscaledDecimal(v as string, col.scale ?? 0);
  }
}

export function encodeParquet(table: TableName, rows: readonly ChangeRow[]): Uint8Array {
  const columns = changeColumns(table);
  const columnData: ColumnSource[] = columns.map((col) => {
    const data = new Array<number | bigint | string | null>(rows.length);
    for (let i = 0; i < rows.length; i++) data[i] = physical(col, rows[i]![col.name] ?? null);
    return { name: col.name, data, nullable: col.nullable };
  });
  const buffer = parquetWriteBuffer({ columnData, schema: parquetSchema(table), createdBy: CREATED_BY });
  return new Uint8Array(buffer);
}
