/**
 * All configuration, read and validated in one place. Every variable has a default that works
 * against the local stack with no `.env`, so a wrong value, not a missing one, is what stops
 * start-up, and the error names the variable to fix.
 */
import { z } from 'zod';
import { ConfigError } from './errors';

const port = z.coerce.number().int().min(1).max(65535);
const url = z.string().url();
const nonEmpty = z.string().min(1);

const schema = z.object({
  // Source database (names as in the original project).
  POSTGRES_HOST: nonEmpty.default('127.0.0.1'),
  POSTGRES_PORT: port.default(5432),
  POSTGRES_DB: nonEmpty.default('banking_db'),
  POSTGRES_USER: nonEmpty.default('banking_user'),
  // Empty: the local stack's built-in password on a local host, otherwise the secret below.
  POSTGRES_PASSWORD: z.string().default(''),
  // In the cloud: a Secrets Manager secret (name or ARN) holding the generator's database password,
  // read at cold start (functions/shared/secrets.ts), so it is never in the template.
  POSTGRES_SECRET_ID: z.string().default(''),
  POSTGRES_REPLICATION_USER: nonEmpty.default('debezium_repl'),
  POSTGRES_REPLICATION_PASSWORD: nonEmpty.default('debezium_password'),

  // Kafka and Kafka Connect.
  KAFKA_BOOTSTRAP: nonEmpty.default('127.0.0.1:9092'),
  KAFKA_GROUP: nonEmpty.default('banking_consumer_group'),
  KAFKA_CONTROLLER_PORT: port.default(9093),
  KAFKA_CONNECT_URL: url.default('http://127.0.0.1:8083'),
  KAFKA_TOPIC_PREFIX: nonEmpty.default('banking_server'),
  // Partitions per CDC topic (`table=count,...`): one writer invocation runs per partition at a
  // time, so partitions are the writer's parallelism. Records are keyed by primary key, so each
  // key keeps its order. Topics are created with these counts, and grown (never shrunk) to them.
  KAFKA_TOPIC_PARTITIONS: z
    .string()
    .default('customers=1,accounts=2,transactions=4')
    .refine((v) => /^\s*[a-z_]+\s*=\s*[1-9]\d*\s*(,\s*[a-z_]+\s*=\s*[1-9]\d*\s*)*$/.test(v), {
      message: 'expected table=count pairs, e.g. customers=1,accounts=2,transactions=4',
    }),
  DEBEZIUM_CONNECTOR_NAME: nonEmpty.default('banking-postgres-connector'),
  // Values with their schema inline: columns added in Postgres reach the lake with no redeploy,
  // at ~8 KB per record instead of ~1 KB in Kafka and in Lambda events (6 MB each). `false` keeps
  // values schema-less: then a new column is dead-lettered until tables.ts lists it.
  DEBEZIUM_INLINE_SCHEMAS: z.enum(['true', 'false']).default('true'),

  // Object storage (MinIO locally, S3 in the cloud: leave MINIO_ENDPOINT empty there).
  // `aws` means real S3 with the default credential chain (the Lambda role): an empty value cannot
  // say so, since empty means "the default", which is the local MinIO.
  MINIO_ENDPOINT: z
    .string()
    .default('http://127.0.0.1:9000')
    .transform((v) => (v === 'aws' ? '' : v)),
  MINIO_CONSOLE_PORT: port.default(9001),
  MINIO_ACCESS_KEY: nonEmpty.default('minioadmin'),
  MINIO_SECRET_KEY: nonEmpty.default('minioadmin'),
  MINIO_ROOT_USER: nonEmpty.default('minioadmin'),
  MINIO_ROOT_PASSWORD: nonEmpty.default('minioadmin'),
  MINIO_BUCKET: nonEmpty.default('banking-data'),
  AWS_REGION: nonEmpty.default('us-east-1'),
  DLQ_PREFIX: nonEmpty.default('_dlq'),

  // Warehouse.
  WAREHOUSE: z.enum(['duckdb', 'snowflake']).default('duckdb'),
  WAREHOUSE_PATH: nonEmpty.default('.stack/warehouse/banking.duckdb'),
  // How long a loader waits for another process (dbt, another loader) to release the DuckDB file.
  WAREHOUSE_LOCK_TIMEOUT_MS: z.coerce.number().int().min(0).default(120_000),
  // The loader's scheduled sweep loads what is missing from the ledger among the objects of this
  // many commit dates, counting back from today (functions/loader/sweep.ts).
  SWEEP_DAYS: z.coerce.number().int().min(1).default(3),
  // The loader keeps the DuckDB file open this long after a batch for the next one (0: close at
  // once), and lets go after holding it WAREHOUSE_MAX_HOLD_MS, or at once when dbt asks for it.
  WAREHOUSE_KEEP_OPEN_MS: z.coerce.number().int().min(0).default(3_000),
  WAREHOUSE_MAX_HOLD_MS: z.coerce.number().int().min(0).default(10_000),
  SNOWFLAKE_ACCOUNT: z.string().default(''),
  SNOWFLAKE_USER: z.string().default(''),
  SNOWFLAKE_PASSWORD: z.string().default(''),
  // In the cloud: a Secrets Manager secret (name or ARN) holding the password, read at the first
  // connection, so the password is never in the function's environment or the deploy template.
  SNOWFLAKE_SECRET_ID: z.string().default(''),
  SNOWFLAKE_WAREHOUSE: z.string().default(''),
  SNOWFLAKE_DB: z.string().default('BANKING_DB'),
  SNOWFLAKE_SCHEMA: z.string().default('RAW'),
  SNOWFLAKE_ROLE: z.string().default(''),
  SNOWFLAKE_STAGE: z.string().default(''),

  // Orchestration.
  AIRFLOW_PORT: port.default(8080),
  AIRFLOW_ADMIN_USER: nonEmpty.default('admin'),
  AIRFLOW_ADMIN_PASSWORD: nonEmpty.default('admin'),
  AIRFLOW_DB_USER: nonEmpty.default('airflow'),
  AIRFLOW_DB_PASSWORD: nonEmpty.default('airflow'),
  AIRFLOW_DB_NAME: nonEmpty.default('airflow'),

  // serverless-offline's ports (the Kafka event source invokes functions on the Lambda port).
  OFFLINE_HTTP_PORT: port.default(3000),
  OFFLINE_LAMBDA_PORT: port.default(3002),

  // The live pipeline page `npm start` serves (infra/dashboard).
  DASHBOARD_PORT: port.default(8090),

  // Local stack.
  STACK_DIR: nonEmpty.default('.stack'),
  STACK_CACHE_DIR: z.string().default(''),

  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'debug', 'info', 'warn', 'error']).default('INFO'),
});

export type Config = z.infer<typeof schema>;

/** Every variable the pipeline reads. */
export const CONFIG_KEYS = Object.keys(schema.shape) as (keyof Config)[];

/** Hosts of the local stack (native, or docker-compose's service name), where the default password applies. */
const LOCAL_DB_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', 'postgres']);
const LOCAL_STACK_DB_PASSWORD = 'banking_password';

/** Parse and validate configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings in the environment mean "unset" so that `FOO=` in a .env keeps the default.
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') cleaned[k] = v;
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`, problems);
  }
  const cfg = parsed.data;
  // The built-in password exists for the throwaway local stack only: a database elsewhere must be
  // given its own (directly, or as a secret), so a deployed function never tries the local one.
  if (cfg.POSTGRES_PASSWORD === '') {
    if (LOCAL_DB_HOSTS.has(cfg.POSTGRES_HOST)) cfg.POSTGRES_PASSWORD = LOCAL_STACK_DB_PASSWORD;
    else if (cfg.POSTGRES_SECRET_ID === '') {
      throw new ConfigError(
        `POSTGRES_PASSWORD (or POSTGRES_SECRET_ID) must be set: POSTGRES_HOST=${cfg.POSTGRES_HOST} is not the local stack, and the default password is for the local stack only`,
        ['POSTGRES_PASSWORD: required'],
      );
    }
  }
  if (cfg.WAREHOUSE === 'snowflake') {
    const missing = (['SNOWFLAKE_ACCOUNT', 'SNOWFLAKE_USER', 'SNOWFLAKE_PASSWORD', 'SNOWFLAKE_WAREHOUSE'] as const).filter(
      // The password may instead come from Secrets Manager (SNOWFLAKE_SECRET_ID).
      (k) => cfg[k] === '' && !(k === 'SNOWFLAKE_PASSWORD' && cfg.SNOWFLAKE_SECRET_ID !== ''),
    );
    if (missing.length) {
      const hint = missing.includes('SNOWFLAKE_PASSWORD')
        ? ' (the password, or SNOWFLAKE_SECRET_ID naming a secret that holds it)'
        : '';
      throw new ConfigError(
        `WAREHOUSE=snowflake needs ${missing.join(', ')} to be set${hint}`,
        missing.map((m) => `${m}: required`),
      );
    }
  }
  return cfg;
}

/** `host:port` pairs of the Kafka bootstrap list. */
export function kafkaBrokers(cfg: Pick<Config, 'KAFKA_BOOTSTRAP'>): string[] {
  return cfg.KAFKA_BOOTSTRAP.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Port a URL listens on, with the scheme's default. */
export function urlPort(u: string): number {
  const parsed = new URL(u);
  if (parsed.port) return Number(parsed.port);
  return parsed.protocol === 'https:' ? 443 : 80;
}

/** Configuration with secrets masked, for logs. */
export function redact(cfg: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(cfg)) out[k] = /PASSWORD|SECRET|KEY/.test(k) && v ? '***' : v;
  return out;
}
