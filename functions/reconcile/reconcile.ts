/**
 * Source (Postgres) against warehouse (current state derived from the RAW change log): row counts,
 * money totals and every current row, exactly, in every column the source has (new ones too). Used by `npm run e2e`, the fault tests and the bench.
 */
import type { Client } from 'pg';
import type { DuckDBConnection } from '@duckdb/node-api';
import { TABLE_NAMES, type DeclaredTable } from '../shared/tables';
import { reconTypeOf, sourceRowsSql, warehouseCurrentSql, warehouseRowsSql, type ReconColumn } from './canonical';

export interface Totals {
  rows: Record<DeclaredTable, number>;
  /** Sum of current account balances, exact decimal text. */
  balanceSum: string;
  /** Sum of amounts per "TYPE/STATUS", exact decimal text. */
  amountByType: Record<string, string>;
}

export interface TableDiff {
  missing: number; // in the source, not in the warehouse
  extra: number; // in the warehouse, not in the source
  different: number;
  samples: string[];
}

/** A TRUNCATE of a source table (sql/postgres/03_truncate_log.sql): Debezium does not replicate it. */
export interface Truncation {
  table: string;
  at: string;
  lsn: string;
}

export interface Reconciliation {
  match: boolean;
  /**
   * Truncates recorded in the source. The warehouse still holds the truncated rows (Debezium skips
   * truncates), so a mismatch after one is explained here: re-snapshot the table (or rebuild RAW).
   */
  truncations: Truncation[];
  /** The columns compared per table (the source's, at reconcile time). */
  columns: Record<DeclaredTable, string[]>;
  source: Totals;
  warehouse: Totals;
  diff: Record<DeclaredTable, TableDiff>;
}

/**
 * Every column the source table has now (information_schema, so columns added since tables.ts
 * was written are compared too), marked with whether RAW has it yet.
 */
export async function reconColumns(
  pg: Client,
  db: DuckDBConnection,
  table: DeclaredTable,
  schema = 'raw',
): Promise<ReconColumn[]> {
  return markInWarehouse(db, table, await sourceColumns(pg, table), schema);
}

/** Every column the source table has now, in its order. */
export async function sourceColumns(pg: Client, table: DeclaredTable): Promise<ReconColumn[]> {
  const src = await pg.query<{ column_name: string; data_type: string }>(
    `SELECT column_name, data_type FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  return src.rows.map((c) => ({ name: c.column_name, type: reconTypeOf(c.data_type) }));
}

/** The columns marked with whether RAW has them yet. */
export async function markInWarehouse(
  db: DuckDBConnection,
  table: DeclaredTable,
  columns: readonly ReconColumn[],
  schema = 'raw',
): Promise<ReconColumn[]> {
  const raw = await db.runAndReadAll(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = $schema AND table_name = $table`,
    { schema, table },
  );
  const inRaw = new Set(raw.getRows().map((r) => String(r[0])));
  return columns.map((c) => ({ ...c, inWarehouse: inRaw.has(c.name) }));
}

export async function truncations(pg: Client): Promise<Truncation[]> {
  // No truncate_log (migration 03 not applied): nothing recorded. Checked first, since a failed
  // query would abort the caller's snapshot transaction.
  const exists = await pg.query<{ t: string | null }>(`SELECT to_regclass('truncate_log')::text AS t`);
  if (!exists.rows[0]?.t) return [];
  const r = await pg.query<{ table_name: string; at: string; lsn: string }>(
    `SELECT table_name, truncated_at::text AS at, lsn::text AS lsn FROM truncate_log ORDER BY id`,
  );
  return r.rows.map((x) => ({ table: x.table_name, at: x.at, lsn: x.lsn }));
}

export async function sourceRows(
  pg: Client,
  table: DeclaredTable,
  columns?: readonly ReconColumn[],
): Promise<Map<string, string>> {
  const r = await pg.query<{ k: string; r: string }>(sourceRowsSql(table, columns));
  return new Map(r.rows.map((x) => [x.k, x.r]));
}

export async function warehouseRows(
  db: DuckDBConnection,
  table: DeclaredTable,
  schema = 'raw',
  columns?: readonly ReconColumn[],
  asOf?: string,
): Promise<Map<string, string>> {
  const reader = await db.runAndReadAll(warehouseRowsSql(table, schema, columns, asOf));
  return new Map(reader.getRows().map((x) => [String(x[0]), String(x[1])]));
}

export async function sourceTotals(pg: Client): Promise<Totals> {
  const rows = {} as Record<DeclaredTable, number>;
  for (const t of TABLE_NAMES) rows[t] = Number((await pg.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
  const balanceSum = (await pg.query(`SELECT coalesce(sum(balance), 0)::numeric(20,2)::text AS s FROM accounts`)).rows[0]
    .s as string;
  const byType = await pg.query<{ k: string; s: string }>(
    `SELECT txn_type || '/' || status AS k, sum(amount)::numeric(20,2)::text AS s FROM transactions GROUP BY 1 ORDER BY 1`,
  );
  return { rows, balanceSum, amountByType: Object.fromEntries(byType.rows.map((x) => [x.k, x.s])) };
}

export async function warehouseTotals(db: DuckDBConnection, schema = 'raw'): Promise<Totals> {
  const one = async (sql: string) => (await db.runAndReadAll(sql)).getRows();
  const rows = {} as Record<DeclaredTable, number>;
  for (const t of TABLE_NAMES) rows[t] = Number((await one(`SELECT count(*) FROM (${warehouseCurrentSql(t, schema)})`))[0]![0]);
  const balanceSum = String(
    (
      await one(
        `SELECT CAST(CAST(coalesce(sum(balance), 0) AS DECIMAL(20,2)) AS VARCHAR) FROM (${warehouseCurrentSql('accounts', schema)})`,
      )
    )[0]![0],
  );
  const byType = await one(
    `SELECT txn_type || '/' || status, CAST(CAST(sum(amount) AS DECIMAL(20,2)) AS VARCHAR) FROM (${warehouseCurrentSql('transactions', schema)}) GROUP BY 1 ORDER BY 1`,
  );
  return { rows, balanceSum, amountByType: Object.fromEntries(byType.map((x) => [String(x[0]), String(x[1])])) };
}

export function diffRows(source: Map<string, string>, warehouse: Map<string, string>, maxSamples = 5): TableDiff {
  const d: TableDiff = { missing: 0, extra: 0, different: 0, samples: [] };
  for (const [k, r] of source) {
    const w = warehouse.get(k);
    if (w === undefined) {
      d.missing++;
      if (d.samples.length < maxSamples) d.samples.push(`missing key ${k}: ${r}`);
    } else if (w !== r) {
      d.different++;
      if (d.samples.length < maxSamples) d.samples.push(`key ${k}: source ${r} / warehouse ${w}`);
    }
  }
  for (const [k, w] of warehouse) {
    if (!source.has(k)) {
      d.extra++;
      if (d.samples.length < maxSamples) d.samples.push(`extra key ${k}: ${w}`);
    }
  }
  return d;
}

export async function reconcile(pg: Client, db: DuckDBConnection, schema = 'raw'): Promise<Reconciliation> {
  // One repeatable-read snapshot of the source, so totals and rows describe the same instant.
  await pg.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const source = await sourceTotals(pg);
    const warehouse = await warehouseTotals(db, schema);
    const diff = {} as Record<DeclaredTable, TableDiff>;
    const columns = {} as Record<DeclaredTable, string[]>;
    for (const t of TABLE_NAMES) {
      const cols = await reconColumns(pg, db, t, schema);
      columns[t] = cols.map((c) => c.name);
      diff[t] = diffRows(await sourceRows(pg, t, cols), await warehouseRows(db, t, schema, cols));
    }
    const rowsMatch = TABLE_NAMES.every((t) => diff[t].missing + diff[t].extra + diff[t].different === 0);
    const totalsMatch = JSON.stringify(source) === JSON.stringify(warehouse);
    return { match: rowsMatch && totalsMatch, truncations: await truncations(pg), columns, source, warehouse, diff };
  } finally {
    await pg.query('COMMIT');
  }
}
