/**
 * The one Postgres connection factory: a pg Client from a function's (or the stack's) POSTGRES_*
 * variables, with overrides (another user, database, host or socket, a schema, a timeout), and a
 * connect whose start-up errors name the variable to fix.
 */
import { Client } from 'pg';
import type { PostgresConfig } from './config';
import { ConfigError, ServiceError, errorMessage } from './errors';

export interface DbSettings {
  host: string;
  port: number;
  database: string;
  user: string;
  /** Absent: none (a local socket with trust authentication). */
  password?: string;
  /** Tables live in this schema instead of public (benchmarks and isolated tests). */
  schema?: string;
  applicationName?: string;
  /** Absent: pg's default (no timeout). */
  connectTimeoutMs?: number;
}

type PostgresVariables = Pick<
  PostgresConfig,
  'POSTGRES_HOST' | 'POSTGRES_PORT' | 'POSTGRES_DB' | 'POSTGRES_USER' | 'POSTGRES_PASSWORD'
>;

/** Settings from the POSTGRES_* variables, with overrides. */
export function postgresSettings(cfg: PostgresVariables, extra: Partial<DbSettings> = {}): DbSettings {
  return {
    host: cfg.POSTGRES_HOST,
    port: cfg.POSTGRES_PORT,
    database: cfg.POSTGRES_DB,
    user: cfg.POSTGRES_USER,
    password: cfg.POSTGRES_PASSWORD,
    ...extra,
  };
}

/** A client (not yet connected) for these settings: the only place a pg Client is built. */
export function clientFor(s: DbSettings): Client {
  return new Client({
    host: s.host,
    port: s.port,
    database: s.database,
    user: s.user,
    ...(s.password !== undefined ? { password: s.password } : {}),
    ...(s.applicationName ? { application_name: s.applicationName } : {}),
    ...(s.connectTimeoutMs !== undefined ? { connectionTimeoutMillis: s.connectTimeoutMs } : {}),
    ...(s.schema ? { options: `-c search_path=${quoteIdent(s.schema)}` } : {}),
  });
}

/** A client (not yet connected) from the POSTGRES_* variables, with overrides. */
export function postgresClient(cfg: PostgresVariables, extra: Partial<DbSettings> = {}): Client {
  return clientFor(postgresSettings(cfg, extra));
}

/** Connect, or throw an error that says which POSTGRES_* variable is likely wrong. */
export async function openConnection(s: DbSettings): Promise<Client> {
  const client = clientFor({ ...s, connectTimeoutMs: s.connectTimeoutMs ?? 5000 });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw describeConnectError(err, s);
  }
  return client;
}

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

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
