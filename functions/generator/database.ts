/**
 * The generator's Postgres connection (functions/shared/postgres.ts): its settings, and the test
 * for "the connection is gone, reconnect" versus "this iteration failed, roll back and go on".
 */
import type { Client } from 'pg';
import type { PostgresConfig } from '../shared/config';
import { ServiceError, errorMessage } from '../shared/errors';
import { postgresSettings, type DbSettings } from '../shared/postgres';

export { openConnection, describeConnectError, type DbSettings } from '../shared/postgres';

export function dbSettingsFromConfig(cfg: PostgresConfig, extra: Partial<DbSettings> = {}): DbSettings {
  return postgresSettings(cfg, { applicationName: 'banking-generator', ...extra });
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
