/** Build the configured warehouse adapter and object store from validated config. */
import { resolve } from 'node:path';
import type { Config } from '../shared/config';
import { duckdbWarehouse } from './duckdbWarehouse';
import { s3Client, s3ObjectStore, type ObjectStore } from './objectStore';
import type { Log, Warehouse } from './port';
import { snowflakeWarehouse } from './snowflakeWarehouse';

export function warehouseFromConfig(cfg: Config, log: Log): Warehouse {
  if (cfg.WAREHOUSE === 'snowflake') {
    return snowflakeWarehouse({
      target: { database: cfg.SNOWFLAKE_DB, schema: cfg.SNOWFLAKE_SCHEMA, stage: cfg.SNOWFLAKE_STAGE },
      // Required lazily: the DuckDB path should not pay snowflake-sdk's load time on cold start.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      connect: () => (require('./snowflakeConnection') as typeof import('./snowflakeConnection')).connectSnowflake(cfg),
      log,
    });
  }
  // Relative paths are relative to the working directory: the repo root for every local entry point.
  return duckdbWarehouse({ path: resolve(cfg.WAREHOUSE_PATH), log, lock: { timeoutMs: cfg.WAREHOUSE_LOCK_TIMEOUT_MS } });
}

export function objectStoreFromConfig(cfg: Config): ObjectStore {
  return s3ObjectStore(s3Client(cfg));
}
