/**
 * The shared part of configuration: how a function's variables are read and validated, and the
 * groups of variables more than one function reads (Postgres, S3, the lake). Each function has its
 * own schema (functions/<stage>/config.ts) and validates only what it reads; the local stack's
 * settings, a superset of them all, live with the stack (infra/local/stack/settings.ts). Every variable
 * has a default that works against the local stack with no `.env`, so a wrong value, not a
 * missing one, is what stops start-up, and the error names the variable to fix.
 */
import { z } from 'zod';
import { DEFAULT_DLQ_PREFIX, normaliseDlqPrefix } from './dlqPrefix';
import { ConfigError } from './errors';

export const port = z.coerce.number().int().min(1).max(65535);
export const url = z.string().url();
export const nonEmpty = z.string().min(1);

export const logShape = {
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'debug', 'info', 'warn', 'error']).default('INFO'),
};

/** The source database (names as in the original project). */
export const postgresShape = {
  POSTGRES_HOST: nonEmpty.default('127.0.0.1'),
  POSTGRES_PORT: port.default(5432),
  POSTGRES_DB: nonEmpty.default('banking_db'),
  POSTGRES_USER: nonEmpty.default('banking_user'),
  // Empty: the local stack's built-in password on a local host, otherwise the secret below.
  POSTGRES_PASSWORD: z.string().default(''),
  // In the cloud: a Secrets Manager secret (name or ARN) holding the generator's database password,
  // read at cold start (functions/shared/secrets.ts), so it is never in the template.
  POSTGRES_SECRET_ID: z.string().default(''),
  // A non-local host is always reached over TLS with its certificate verified against Node's roots
  // and Amazon RDS's CA bundle; this adds a PEM file of further CAs (a private CA).
  POSTGRES_SSL_CA: z.string().default(''),
};

/** Object storage (MinIO locally, S3 in the cloud) and the lake's bucket and dead-letter prefix. */
export const lakeShape = {
  // `aws` means real S3 with the default credential chain (the Lambda role): an empty value cannot
  // say so, since empty means "the default", which is the local MinIO.
  MINIO_ENDPOINT: z
    .string()
    .default('http://127.0.0.1:9000')
    .transform((v) => (v === 'aws' ? '' : v)),
  MINIO_ACCESS_KEY: nonEmpty.default('minioadmin'),
  MINIO_SECRET_KEY: nonEmpty.default('minioadmin'),
  AWS_REGION: nonEmpty.default('us-east-1'),
  MINIO_BUCKET: nonEmpty.default('banking-data'),
  // Normalised (functions/shared/dlqPrefix.ts), as serverless.yml does for the writer's IAM resource.
  DLQ_PREFIX: z
    .string()
    .default(DEFAULT_DLQ_PREFIX)
    .transform(normaliseDlqPrefix)
    .refine((v) => v !== '', 'must name a folder (e.g. _dlq), not only slashes'),
};

export type PostgresConfig = { -readonly [K in keyof typeof postgresShape]: z.infer<(typeof postgresShape)[K]> };

/**
 * Parse and validate `env` against a function's schema; throws ConfigError naming every bad
 * variable. Empty strings mean "unset", so that `FOO=` in a .env keeps the default.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') cleaned[k] = v;
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`, problems);
  }
  return parsed.data;
}

/** Hosts of the local stack (native, or docker-compose's service name), where the default password applies. */
const LOCAL_DB_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', 'postgres']);

/** The local stack's database: a loopback or docker-compose host name, or a Unix socket directory. */
export function isLocalDbHost(host: string): boolean {
  return LOCAL_DB_HOSTS.has(host) || host.startsWith('/');
}
const LOCAL_STACK_DB_PASSWORD = 'banking_password';

/**
 * The built-in password exists for the throwaway local stack only: a database elsewhere must be
 * given its own (directly, or as a secret), so a deployed function never tries the local one.
 */
export function resolvePostgresPassword<C extends PostgresConfig>(cfg: C): C {
  if (cfg.POSTGRES_PASSWORD !== '') return cfg;
  if (isLocalDbHost(cfg.POSTGRES_HOST)) cfg.POSTGRES_PASSWORD = LOCAL_STACK_DB_PASSWORD;
  else if (cfg.POSTGRES_SECRET_ID === '') {
    throw new ConfigError(
      `POSTGRES_PASSWORD (or POSTGRES_SECRET_ID) must be set: POSTGRES_HOST=${cfg.POSTGRES_HOST} is not the local stack, and the default password is for the local stack only`,
      ['POSTGRES_PASSWORD: required'],
      'set POSTGRES_PASSWORD, or POSTGRES_SECRET_ID naming a Secrets Manager secret that holds it',
    );
  }
  return cfg;
}
