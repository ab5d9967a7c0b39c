/**
 * The local stack's settings: every variable any part of the pipeline reads (each function's own,
 * functions/<stage>/config.ts), plus what only the stack, the CLIs and the tests read (ports,
 * Kafka and Connect, Debezium, MinIO's root user, Airflow, serverless-offline, the pipeline page).
 * `.env.example` lists exactly these. Bad values stop start-up naming the variable, as in the functions.
 */
import { z } from 'zod';
import { generatorShape } from '../../../functions/generator/config';
import { checkWarehouse, loaderShape } from '../../../functions/loader/config';
import { nonEmpty, parseEnv, port, resolvePostgresPassword, url } from '../../../functions/shared/config';
import { writerShape } from '../../../functions/writer/config';
import { VERSIONS } from './versions';
import { loadDotEnv } from './dotenv';

const stackShape = {
  // PostgreSQL 15's programs (initdb, pg_ctl, postgres): Debian's postgresql-15 package by default.
  POSTGRES_BIN_DIR: nonEmpty.default(`/usr/lib/postgresql/${VERSIONS.postgres}/bin`),
  POSTGRES_REPLICATION_USER: nonEmpty.default('debezium_repl'),
  POSTGRES_REPLICATION_PASSWORD: nonEmpty.default('debezium_password'),

  // Kafka and Kafka Connect.
  KAFKA_BOOTSTRAP: nonEmpty.default('127.0.0.1:9092'),
  KAFKA_GROUP: nonEmpty.default('banking_consumer_group'),
  KAFKA_CONTROLLER_PORT: port.default(9093),
  KAFKA_CONNECT_URL: url.default('http://127.0.0.1:8083'),
  // Partitions per CDC topic (`table=count,...`): one writer invocation runs per partition at a
  // time, so partitions are the writer's parallelism. Records are keyed by primary key, so each
  // key keeps its order. Topics are created with these counts, and grown (never shrunk) to them.
  KAFKA_TOPIC_PARTITIONS: z
    .string()
    .default('customers=1,accounts=2,transactions=4')
    .refine((v) => /^\s*\w+\s*=\s*[1-9]\d*\s*(,\s*\w+\s*=\s*[1-9]\d*\s*)*$/.test(v), {
      message: 'expected table=count pairs, e.g. customers=1,accounts=2,transactions=4',
    }),
  DEBEZIUM_CONNECTOR_NAME: nonEmpty.default('banking-postgres-connector'),
  // Values with their schema inline: columns added in Postgres reach the lake with no redeploy,
  // at ~8 KB per record instead of ~1 KB in Kafka and in Lambda events (6 MB each). `false` keeps
  // values schema-less: then a new column is dead-lettered until tables.ts lists it.
  DEBEZIUM_INLINE_SCHEMAS: z.enum(['true', 'false']).default('true'),

  // MinIO's console and root user (the functions use MINIO_ACCESS_KEY / MINIO_SECRET_KEY).
  MINIO_CONSOLE_PORT: port.default(9001),
  MINIO_ROOT_USER: nonEmpty.default('minioadmin'),
  MINIO_ROOT_PASSWORD: nonEmpty.default('minioadmin'),

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

  // The live pipeline page `npm start` serves (infra/local/dashboard).
  DASHBOARD_PORT: port.default(8090),

  // Local stack.
  STACK_DIR: nonEmpty.default('.stack'),
  STACK_CACHE_DIR: z.string().default(''),
};

const schema = z.object({ ...generatorShape, ...writerShape, ...loaderShape, ...stackShape });

export type Settings = z.infer<typeof schema>;

/** Every variable the pipeline reads. */
export const SETTING_KEYS = Object.keys(schema.shape) as (keyof Settings)[];

/**
 * Parse and validate every setting; throws ConfigError naming every bad variable. Reading the
 * process's own environment, it first adds what `.env` sets and the environment does not.
 */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  if (env === process.env) loadDotEnv();
  return checkWarehouse(resolvePostgresPassword(parseEnv(schema, env)));
}

/** `host:port` pairs of the Kafka bootstrap list. */
export function kafkaBrokers(cfg: Pick<Settings, 'KAFKA_BOOTSTRAP'>): string[] {
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

/** Settings with secrets masked, for logs. */
export function redact(cfg: Settings): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(cfg)) out[k] = /PASSWORD|SECRET|KEY/.test(k) && v ? '***' : v;
  return out;
}
