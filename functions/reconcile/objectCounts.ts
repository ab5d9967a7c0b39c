/**
 * Each ledgered object's row count against the rows RAW holds for it (by `_file`), in every RAW
 * table the ledger names: a lost, doubled or foreign row shows as a mismatch naming its object.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { TABLE_NAMES } from '../shared/tables';
import type { ObjectCountMismatch } from './watermark';

export async function objectCounts(db: DuckDBConnection, schema: string): Promise<ObjectCountMismatch[]> {
  // Every RAW table the ledger names, tables.ts's or not (an undeclared table's objects are ledgered too).
  const ledgered = (
    await db.runAndReadAll(
      `SELECT DISTINCT l.table_name FROM ${schema}._loads AS l
         JOIN information_schema.tables AS i ON i.table_schema = $schema AND i.table_name = l.table_name`,
      { schema },
    )
  )
    .getRows()
    .map((r) => String(r[0]));
  const tables = [...new Set<string>([...TABLE_NAMES, ...ledgered])];
  const lit = (v: string) => `'${v.replace(/'/g, "''")}'`;
  const counts = tables.map(
    (t) => `SELECT _file, ${lit(t)} AS t, count(*) AS n FROM ${schema}."${t.replace(/"/g, '""')}" GROUP BY _file`,
  );
  const reader = await db.runAndReadAll(
    `SELECT coalesce(l.object_key, r._file), coalesce(l.table_name, r.t), coalesce(l.row_count, 0), coalesce(r.n, 0)
       FROM ${schema}._loads AS l FULL OUTER JOIN (${counts.join(' UNION ALL ')}) AS r ON r._file = l.object_key
      WHERE coalesce(l.row_count, 0) <> coalesce(r.n, 0)
      ORDER BY 1`,
  );
  return reader.getRows().map((r) => ({
    object: String(r[0]),
    table: String(r[1]),
    ledgerRows: Number(r[2]),
    rawRows: Number(r[3]),
  }));
}
