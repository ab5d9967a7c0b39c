import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_KEYS, loadConfig, redact } from '../../../functions/shared/config';
import { ConfigError } from '../../../functions/shared/errors';

const example = Object.fromEntries(
  readFileSync(join(__dirname, '..', '..', '..', '.env.example'), 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);

describe('config', () => {
  test('works with no environment at all (local defaults)', () => {
    const cfg = loadConfig({});
    expect(cfg.POSTGRES_DB).toBe('banking_db');
    expect(cfg.POSTGRES_USER).toBe('banking_user');
    expect(cfg.POSTGRES_PORT).toBe(5432);
    expect(cfg.MINIO_BUCKET).toBe('banking-data');
    expect(cfg.WAREHOUSE).toBe('duckdb');
  });

  test('.env.example lists exactly the variables the code reads, with the same defaults', () => {
    expect(Object.keys(example).sort()).toEqual([...CONFIG_KEYS].sort());
    const defaults = loadConfig({});
    for (const [k, v] of Object.entries(example)) {
      if (v === '') continue; // empty means "use the default"
      expect([k, String(defaults[k as keyof typeof defaults])]).toEqual([k, v]);
    }
  });

  test('a wrong value stops start-up naming the variable', () => {
    expect(() => loadConfig({ POSTGRES_PORT: 'five' })).toThrow(/POSTGRES_PORT/);
    expect(() => loadConfig({ KAFKA_CONNECT_URL: 'not a url' })).toThrow(/KAFKA_CONNECT_URL/);
    expect(() => loadConfig({ WAREHOUSE: 'oracle' })).toThrow(ConfigError);
  });

  test('snowflake needs its credentials, named', () => {
    expect(() => loadConfig({ WAREHOUSE: 'snowflake', SNOWFLAKE_ACCOUNT: 'acme' })).toThrow(
      /SNOWFLAKE_USER, SNOWFLAKE_PASSWORD, SNOWFLAKE_WAREHOUSE/,
    );
  });

  test('the default password is for the local stack only: a remote database must be given one', () => {
    expect(() => loadConfig({ POSTGRES_HOST: 'db.prod.example.com' })).toThrow(
      /POSTGRES_PASSWORD \(or POSTGRES_SECRET_ID\) must be set/,
    );
    // Deployed: the secret named instead, read at cold start; no password in the config at all.
    const deployed = loadConfig({ POSTGRES_HOST: 'db.prod.example.com', POSTGRES_SECRET_ID: 'banking-cdc/prod/postgres' });
    expect(deployed.POSTGRES_PASSWORD).toBe('');
    expect(loadConfig({ POSTGRES_HOST: 'db.prod.example.com', POSTGRES_PASSWORD: 's3cret' }).POSTGRES_PASSWORD).toBe('s3cret');
    expect(loadConfig({ POSTGRES_HOST: 'postgres' }).POSTGRES_PASSWORD).toBe('banking_password'); // docker-compose
  });

  test('an empty value keeps the default', () => {
    expect(loadConfig({ POSTGRES_HOST: '' }).POSTGRES_HOST).toBe('127.0.0.1');
  });

  test('redact hides secrets', () => {
    const r = redact(loadConfig({ SNOWFLAKE_PASSWORD: 'hunter2' }));
    expect(JSON.stringify(r)).not.toContain('hunter2');
    expect(r.POSTGRES_PASSWORD).toBe('***');
    expect(r.POSTGRES_USER).toBe('banking_user');
  });
});
