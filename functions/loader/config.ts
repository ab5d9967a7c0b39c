/** The loader's configuration: the lake it reads and the warehouse it loads (DuckDB or Snowflake). */
import { z } from 'zod';
import { ConfigError } from '../shared/errors';
import { lakeShape, logShape, nonEmpty, parseEnv } from '../shared/config';
import { capturedTablesVar } from '../shared/capturedTables';

const text = z.string().default('');

// Snowflake (WAREHOUSE=snowflake; checkWarehouse names what is missing): where it loads, then how it signs in.
const snowflakeAccount = { SNOWFLAKE_ACCOUNT: text, SNOWFLAKE_USER: text, SNOWFLAKE_WAREHOUSE: text, SNOWFLAKE_ROLE: text };
const snowflakeTarget = { SNOWFLAKE_DB: z.string().default('BANKING_DB'), SNOWFLAKE_SCHEMA: z.string().default('RAW') };
const snowflakeShape = {
  ...snowflakeAccount,
  ...snowflakeTarget,
  SNOWFLAKE_STAGE: text,
  SNOWFLAKE_PASSWORD: text,
  // In the cloud: a Secrets Manager secret (name or ARN) holding the password, read at the first
  // connection, so the password is never in the function's environment or the deploy template.
  SNOWFLAKE_SECRET_ID: text,
  // Key-pair authentication from a PEM file (local runs); in the cloud the key is in the secret.
  SNOWFLAKE_PRIVATE_KEY_PATH: text,
  // How long a container keeps the secret before reading it again (a rotation is picked up then,
  // or at once after a failed sign-in).
  SNOWFLAKE_SECRET_TTL_S: z.coerce.number().int().min(0).default(900),
};

export const loaderShape = {
  ...lakeShape,
  WAREHOUSE: z.enum(['duckdb', 'snowflake']).default('duckdb'),
  WAREHOUSE_PATH: nonEmpty.default('.stack/warehouse/banking.duckdb'),
  // How long a loader waits for another process (dbt, another loader) to release the DuckDB file.
  WAREHOUSE_LOCK_TIMEOUT_MS: z.coerce.number().int().min(0).default(120_000),
  // The loader's scheduled sweep loads what is missing from the ledger among the objects of this
  // many commit dates, counting back from today (functions/loader/sweep.ts).
  SWEEP_DAYS: z.coerce.number().int().min(1).default(3),
  // The tables the pipeline carries (schema public), comma-separated: the connector's include list,
  // the CDC topics and the writer's mappings (serverless.yml) follow it, and the sweep lists their folders.
  CAPTURED_TABLES: capturedTablesVar,
  // The loader keeps the DuckDB file open this long after a batch for the next one (0: close at
  // once), and lets go after holding it WAREHOUSE_MAX_HOLD_MS, or at once when dbt asks for it.
  WAREHOUSE_KEEP_OPEN_MS: z.coerce.number().int().min(0).default(3_000),
  WAREHOUSE_MAX_HOLD_MS: z.coerce.number().int().min(0).default(10_000),
  ...snowflakeShape,
  ...logShape,
};
const schema = z.object(loaderShape);

export type LoaderConfig = z.infer<typeof schema>;

/** Every variable the loader reads. */
export const LOADER_CONFIG_KEYS = Object.keys(loaderShape) as (keyof LoaderConfig)[];

/** WAREHOUSE=snowflake needs its credentials; the password may instead come from SNOWFLAKE_SECRET_ID. */
export function checkWarehouse<C extends LoaderConfig>(cfg: C): C {
  if (cfg.WAREHOUSE !== 'snowflake') return cfg;
  const missing = (['SNOWFLAKE_ACCOUNT', 'SNOWFLAKE_USER', 'SNOWFLAKE_PASSWORD', 'SNOWFLAKE_WAREHOUSE'] as const).filter(
    (k) =>
      cfg[k] === '' && !(k === 'SNOWFLAKE_PASSWORD' && (cfg.SNOWFLAKE_SECRET_ID !== '' || cfg.SNOWFLAKE_PRIVATE_KEY_PATH !== '')),
  );
  if (missing.length) {
    const hint = missing.includes('SNOWFLAKE_PASSWORD')
      ? ' (the password, SNOWFLAKE_PRIVATE_KEY_PATH, or SNOWFLAKE_SECRET_ID naming a secret that holds a private key or password)'
      : '';
    throw new ConfigError(
      `WAREHOUSE=snowflake needs ${missing.join(', ')} to be set${hint}`,
      missing.map((m) => `${m}: required`),
      `set ${missing.join(', ')}, or WAREHOUSE=duckdb for the local warehouse`,
    );
  }
  return cfg;
}

/** Parse and validate the loader's variables; throws ConfigError naming every bad one. */
export function loadLoaderConfig(env: NodeJS.ProcessEnv = process.env): LoaderConfig {
  return checkWarehouse(parseEnv(schema, env));
}
