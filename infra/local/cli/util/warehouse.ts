/** The e2e run's warehouse, read by the CLIs, the benchmarks and the tests while a loader may be writing it. */
import { isAbsolute, join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Settings } from '../../stack/settings';
import type { StackContext } from '../../stack/service';
import { withLockRetry } from '../../../../functions/loader/lockRetry';

/** Open the DuckDB file read-only for a moment, waiting while a loader holds it. */
export async function withWarehouse<T>(path: string, fn: (db: DuckDBConnection) => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const instance = await withLockRetry(path, () => DuckDBInstance.create(path, { access_mode: 'READ_ONLY' }), quiet, {
    timeoutMs,
  });
  const conn = await instance.connect();
  try {
    return await fn(conn);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** The warehouse `npm start` loads into. */
export function warehouseFile(ctx: StackContext, cfg: Settings): string {
  // Unset WAREHOUSE_PATH means "the stack's warehouse": <STACK_DIR>/warehouse/banking.duckdb, which
  // is the config default for the default stack, and keeps a second stack (STACK_DIR=...) apart.
  if (!process.env.WAREHOUSE_PATH) return join(ctx.stackDir, 'warehouse', 'banking.duckdb');
  // Relative paths are resolved by the functions from the repository root (sls offline's cwd).
  return isAbsolute(cfg.WAREHOUSE_PATH) ? cfg.WAREHOUSE_PATH : resolve(ctx.root, cfg.WAREHOUSE_PATH);
}
