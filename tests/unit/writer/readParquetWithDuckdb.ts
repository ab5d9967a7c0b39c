/**
 * Reads Parquet back with DuckDB (what the loader uses) and returns rows in the in-memory
 * representation of functions/shared/rows.ts, so tests compare every value exactly:
 * decimals through DuckDB's own VARCHAR rendering, timestamps as epoch microseconds.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ChangeRow } from '../../../functions/shared/rows';
import { changeColumns, type ColumnDef, type TableName } from '../../../functions/shared/tables';

export interface ParquetColumnInfo {
  name: string;
  type: string | null;
  converted_type: string | null;
  logical_type: string | null;
  repetition_type: string | null;
}

export async function readParquetRows(
  table: TableName,
  bytes: Uint8Array,
  extra: readonly ColumnDef[] = [],
): Promise<{ rows: ChangeRow[]; schema: ParquetColumnInfo[]; duckTypes: Record<string, string> }> {
  const dir = mkdtempSync(join(tmpdir(), 'lake-'));
  const file = join(dir, 'object.parquet');
  writeFileSync(file, bytes);
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const select = [...changeColumns(table), ...extra]
      .map((c) => {
        if (c.type === 'decimal') return `${c.name}::VARCHAR AS ${c.name}`;
        if (c.type === 'timestamptz') return `epoch_us(${c.name}) AS ${c.name}`;
        return c.name;
      })
      .join(', ');
    const result = await conn.runAndReadAll(`SELECT ${select} FROM read_parquet('${file}')`);
    const rows = result.getRowObjectsJS() as ChangeRow[];
    const schema = (
      await conn.runAndReadAll(`SELECT name, type, converted_type, logical_type, repetition_type FROM parquet_schema('${file}')`)
    ).getRowObjectsJS() as unknown as ParquetColumnInfo[];
    const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowObjectsJS() as {
      column_name: string;
      column_type: string;
    }[];
    return { rows, schema, duckTypes: Object.fromEntries(described.map((d) => [d.column_name, d.column_type])) };
  } finally {
    conn.closeSync();
    db.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}
