/**
 * The generator's Postgres connection: settings from the shared config, start-up errors that
 * name the variable to fix, and the test for "the connection is gone, reconnect" versus
 * "this iteration failed, roll back and go on".
 */
import { Client } from 'pg';
import type { PostgresConfig } from '../shared/config';
import { ConfigError, ServiceError, errorMessage } from '../shared/errors';

export interface DbSettings {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** Tables live in this schema instead of public (benchmarks and isolated tests). */
  schema?: string;
  applicationName?: string;
  connectTimeoutMs?: number;
}

export function dbSettingsFromConfig(cfg: PostgresConfig, extra: Partial<DbSettings> = {}): DbSettings {
  return {
    host: cfg.POSTGRES_HOST,
    port: cfg.POSTGRES_PORT,
    database: cfg.POSTGRES_DB,
    user: cfg.POSTGRES_USER,
    password: cfg.POSTGRES_PASSWORD,
    applicationName: 'banking-generator',
    ...extra,
  };
}

/** Connect, or throw an error that says which POSTGRES_* variable is likely wrong. */
export async function openConnection(s: DbSettings): Promise<Client> {
  const client = new Client({
    host: s.host,
    port: s.port,
    database: s.database,
    user: s.user,
    password: s.password,
    application_name: s.applicationName,
    connectionTimeoutMillis: s.connectTimeoutMs ?? 5000,
    ...(s.schema ? { options: `-c search_path=${quoteIdent(s.schema)}` } : {}),
  });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw describeConnectError(err, s);
  }
  return client;
}

/** Fatal errors name the variable; unreachable-server errors stay retryable ServiceErrors. */
export function describeConnectError(err: unknown, s: Pick<DbSettings, 'host' | 'port' | 'database' | 'user'>): Error {
  const code = (err as { code?: string }).code;
  const where = `${s.user}@${s.host}:${s.port}/${s.database}`;
  switch (code) {
    case '28P01':
      return new ConfigError(
        `Postgres rejected the password for user "${s.user}" (${where}): check POSTGRES_PASSWORD (and POSTGRES_USER)`,
        ['POSTGRES_PASSWORD: authentication failed'],
      );
    case '28000':
      return new ConfigError(`Postgres refused user "${s.user}" (${where}): check POSTGRES_USER`, [
        'POSTGRES_USER: not allowed to connect',
      ]);
    case '3D000':
      return new ConfigError(`Postgres has no database "${s.database}" (${where}): check POSTGRES_DB`, [
        'POSTGRES_DB: database does not exist',
      ]);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConfigError(`cannot resolve Postgres host "${s.host}": check POSTGRES_HOST`, ['POSTGRES_HOST: unknown host']);
    default:
      return new ServiceError(
        'postgres',
        `cannot connect to ${where}: ${errorMessage(err)} (check POSTGRES_HOST / POSTGRES_PORT; locally, is the stack up? npm run stack -- up)`,
        { cause: err },
      );
  }
}

const LOST_CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
]);

/** True when the error means the connection is unusable (as opposed to a failed statement). */
export function isConnectionLost(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (LOST_CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  return /Connection terminated|not queryable|connection error|timeout exceeded when trying to connect/i.test(errorMessage(err));
}

/** Fail early with a clear message when the schema is missing rather than on the first insert. */
export async function checkSchema(client: Client): Promise<void> {
  const { rows } = await client.query<{ missing: string[] }>(
    `SELECT array_agg(t) FILTER (WHERE to_regclass(t) IS NULL) AS missing
       FROM unnest(ARRAY['customers', 'accounts', 'transactions']) AS t`,
  );
  const missing = rows[0]?.missing ?? [];
  if (missing.length) {
    throw new ServiceError('postgres', `tables missing: ${missing.join(', ')} (apply sql/postgres/, e.g. npm run stack -- up)`);
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
