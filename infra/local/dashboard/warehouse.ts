/**
 * Reads the DuckDB warehouse only when it is free, and never makes a writer wait on us for long.
 * DuckDB lets one process write a file, and a reader's shared lock keeps writers out, so:
 *   - first the loaders' own writer mutex (functions/loader/writerMutex.ts): we take a turn
 *     between two loads, trying every 10 ms for a few seconds (a loader busy all along: this read is
 *     skipped and the page shows how old the figures are); while we hold it, a loader waits on the
 *     mutex, not on DuckDB's lock, and the collector spaces reads by how long we held it;
 *   - then a READ_ONLY open with one thread, tried once (dbt, a Python process, takes no mutex);
 *   - a handful of aggregate queries (counts, the last minutes' latency, new ledger rows), then close.
 * How long the file was held is measured and shown, and the collector spaces reads by it.
 */
import { existsSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { acquireWriterMutex } from '../../../functions/loader';
import { TABLE_NAMES } from '../../../functions/shared/tables';
import { PipelineError } from '../../../functions/shared/errors';
import type { LatencyBucket, Reason } from './types';

/** Not read this time; it cost the loaders nothing, so the next try need not wait longer. */
export class WarehouseBusy extends PipelineError {
  override readonly name = 'WarehouseBusy';
  readonly cost = 0;
  constructor(message: string) {
    super(message, { hint: 'nothing to do: the page reads it again on its next turn' });
  }
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** Run fn on a read-only connection if the file is free right now; WarehouseBusy otherwise. */
export async function whenFree<T>(
  path: string,
  fn: (db: DuckDBConnection) => Promise<T>,
  waitMs = 3000,
): Promise<{ value: T; heldMs: number }> {
  if (!existsSync(path)) throw new WarehouseBusy('warehouse not created yet (nothing loaded)');
  const release = await takeTurn(`${path}.writer-lock`, waitMs);
  const t0 = Date.now();
  try {
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY', threads: '1' });
    } catch (err) {
      const m = err instanceof Error ? err.message : String(err);
      throw /lock/i.test(m) ? new WarehouseBusy('another process (dbt?) holds the file') : err;
    }
    const conn = await instance.connect();
    try {
      return { value: await fn(conn), heldMs: Date.now() - t0 };
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  } finally {
    release();
  }
}

/**
 * The writer mutex, taken between two loads. Loaders back off up to 500 ms between their own tries,
 * so polling every 10 ms takes the gap after a load; one read then delays the next load by its hold.
 */
async function takeTurn(file: string, waitMs: number): Promise<() => void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await acquireWriterMutex(file, quiet, { timeoutMs: 0 });
    } catch {
      if (Date.now() >= deadline) throw new WarehouseBusy(`loaders kept the file busy for ${waitMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

async function rows(db: DuckDBConnection, sql: string): Promise<unknown[][]> {
  return (await db.runAndReadAll(sql)).getRows() as unknown[][];
}

export interface WarehouseFigures {
  rawRows: Record<string, number>;
  loads: number;
  loadErrors: number;
  /** Ledger rows loaded at or after `since` (key -> rows), to keep the set of loaded objects incrementally. */
  newLoads: { key: string; rows: number; at: number }[];
  erroredKeys: string[];
  recentErrors: Reason[];
  latency: LatencyBucket[];
  models: Record<string, number>;
}

const MODELS = ['fact_transactions', 'dim_customers', 'dim_accounts', 'customer_360'];

/**
 * `latencyFromMs`: only rows loaded from then on are read for the latency buckets (the collector
 * keeps the older ones): RAW is appended in load order, so DuckDB's zone maps on _loaded_at skip
 * the rest, and the read, which the loaders wait for, stays short however much RAW holds.
 */
export async function readWarehouse(
  db: DuckDBConnection,
  sinceMs: number,
  latencyFromMs = Date.now() - 10 * 60_000,
): Promise<WarehouseFigures> {
  const tables = (await rows(db, `SELECT table_schema, table_name FROM information_schema.tables`)).map((r) => ({
    schema: String(r[0]),
    name: String(r[1]),
  }));
  const has = (schema: string, name: string) => tables.some((t) => t.schema === schema && t.name === name);
  const raw = TABLE_NAMES.filter((t) => has('raw', t));
  const rawRows: Record<string, number> = {};
  for (const t of raw) rawRows[t] = Number((await rows(db, `SELECT count(*) FROM raw.${t}`))[0]![0]);
  if (!has('raw', '_loads')) {
    return { rawRows, loads: 0, loadErrors: 0, newLoads: [], erroredKeys: [], recentErrors: [], latency: [], models: {} };
  }
  const [loads, loadErrors] = (
    await rows(db, `SELECT (SELECT count(*) FROM raw._loads), (SELECT count(*) FROM raw._load_errors)`)
  )[0]!;
  const newLoads = (
    await rows(
      db,
      `SELECT object_key, row_count, epoch_ms(loaded_at) FROM raw._loads WHERE loaded_at >= to_timestamp(${sinceMs / 1000})`,
    )
  ).map((r) => ({ key: String(r[0]), rows: Number(r[1]), at: Number(r[2]) }));
  const erroredKeys = (await rows(db, `SELECT DISTINCT object_key FROM raw._load_errors`)).map((r) => String(r[0]));
  const recentErrors = (
    await rows(db, `SELECT object_key, reason, epoch_ms(failed_at) FROM raw._load_errors ORDER BY failed_at DESC LIMIT 10`)
  ).map((r) => ({ key: String(r[0]), reason: String(r[1]), at: Number(r[2]) }));
  // Commit -> RAW: the row's source commit time against the time its load committed, per 5 s of loads.
  const union = raw.map((t) => `SELECT _loaded_at, _source_ts_ms FROM raw.${t}`).join(' UNION ALL ');
  const latency = union
    ? (
        await rows(
          db,
          `SELECT (epoch_ms(_loaded_at) // 5000) * 5000 AS b,
                  quantile_cont(epoch_ms(_loaded_at) - _source_ts_ms, 0.5),
                  quantile_cont(epoch_ms(_loaded_at) - _source_ts_ms, 0.99), count(*)
             FROM (${union}) WHERE _loaded_at >= to_timestamp(${latencyFromMs / 1000}) GROUP BY 1 ORDER BY 1`,
        )
      ).map((r) => ({ t: Number(r[0]), p50: Number(r[1]), p99: Number(r[2]), rows: Number(r[3]) }))
    : [];
  const models: Record<string, number> = {};
  for (const m of MODELS) {
    const t = tables.find((x) => x.name === m && x.schema !== 'raw');
    if (t) models[m] = Number((await rows(db, `SELECT count(*) FROM "${t.schema}"."${t.name}"`))[0]![0]);
  }
  return { rawRows, loads: Number(loads), loadErrors: Number(loadErrors), newLoads, erroredKeys, recentErrors, latency, models };
}
