/** The e2e run's warehouse, read by the CLIs, the benchmarks and the tests while a loader may be writing it. */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { withLockRetry } from '../../../functions/loader/lockRetry';

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
