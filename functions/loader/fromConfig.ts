/** Build the configured warehouse adapter and object store from validated config. */
import { resolve } from 'node:path';
import type { LoaderConfig } from './config';
import { createS3Client } from '../shared/s3';
import { s3ObjectStore, type ObjectStore } from './s3ObjectStore';
import type { Log, Warehouse } from './port';
import { connectWithCredentials, snowflakeCredentials } from './snowflakeCredentials';
import { snowflakeWarehouse } from './snowflakeWarehouse';

// Each warehouse's driver is required only on its own path: the DuckDB path should not pay
// snowflake-sdk's load time on cold start, and the cloud (Snowflake) package leaves the native
// DuckDB binding out altogether (serverless.yml, param `warehouse`), so it must never be loaded there.

export function warehouseFromConfig(cfg: LoaderConfig, log: Log): Warehouse {
  if (cfg.WAREHOUSE === 'snowflake') {
    const credentials = snowflakeCredentials(cfg);
    return snowflakeWarehouse({
      target: { database: cfg.SNOWFLAKE_DB, schema: cfg.SNOWFLAKE_SCHEMA, stage: cfg.SNOWFLAKE_STAGE },
      connect: () =>
        connectWithCredentials(credentials, (c) =>
          (require('./snowflakeConnection') as typeof import('./snowflakeConnection')).connectSnowflake(cfg, c),
        ),
      log,
    });
  }
  const { duckdbWarehouse } = require('./duckdbWarehouse') as typeof import('./duckdbWarehouse');
  // Relative paths are relative to the working directory: the repo root for every local entry point.
  return duckdbWarehouse({
    path: resolve(cfg.WAREHOUSE_PATH),
    log,
    lock: { timeoutMs: cfg.WAREHOUSE_LOCK_TIMEOUT_MS },
    keepOpenMs: cfg.WAREHOUSE_KEEP_OPEN_MS,
    maxHoldMs: cfg.WAREHOUSE_MAX_HOLD_MS,
  });
}

export function objectStoreFromConfig(cfg: LoaderConfig): ObjectStore {
  return s3ObjectStore(createS3Client(cfg));
}
