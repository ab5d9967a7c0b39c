import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTING_KEYS, loadSettings, redact } from '../../../infra/local/stack/settings';
import { ConfigError } from '../../../functions/shared/errors';

const example = Object.fromEntries(
  readFileSync(join(__dirname, '..', '..', '..', '.env.example'), 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);

describe('the stack settings (every variable)', () => {
  test('works with no environment at all (local defaults)', () => {
    const cfg = loadSettings({});
    expect(cfg.POSTGRES_DB).toBe('banking_db');
    expect(cfg.POSTGRES_USER).toBe('banking_user');
    expect(cfg.POSTGRES_PORT).toBe(5432);
    expect(cfg.MINIO_BUCKET).toBe('banking-data');
    expect(cfg.WAREHOUSE).toBe('duckdb');
  });

  test('.env.example lists exactly the variables the code reads, with the same defaults', () => {
    expect(Object.keys(example).sort()).toEqual([...SETTING_KEYS].sort());
    const defaults = loadSettings({});
    for (const [k, v] of Object.entries(example)) {
      if (v === '') continue; // empty means "use the default"
      expect([k, String(defaults[k as keyof typeof defaults])]).toEqual([k, v]);
    }
  });

  test('a wrong value stops start-up naming the variable', () => {
    expect(() => loadSettings({ POSTGRES_PORT: 'five' })).toThrow(/POSTGRES_PORT/);
    expect(() => loadSettings({ KAFKA_CONNECT_URL: 'not a url' })).toThrow(/KAFKA_CONNECT_URL/);
    expect(() => loadSettings({ WAREHOUSE: 'oracle' })).toThrow(ConfigError);
  });

  test('snowflake needs its credentials, named', () => {
    expect(() => loadSettings({ WAREHOUSE: 'snowflake', SNOWFLAKE_ACCOUNT: 'acme' })).toThrow(
      /SNOWFLAKE_USER, SNOWFLAKE_PASSWORD, SNOWFLAKE_WAREHOUSE/,
    );
  });

  test('the default password is for the local stack only: a remote database must be given one', () => {
    expect(() => loadSettings({ POSTGRES_HOST: 'db.prod.example.com' })).toThrow(
      /POSTGRES_PASSWORD \(or POSTGRES_SECRET_ID\) must be set/,
    );
    // Deployed: the secret named instead, read at cold start; no password in the config at all.
    const deployed = loadSettings({ POSTGRES_HOST: 'db.prod.example.com', POSTGRES_SECRET_ID: 'banking-cdc/prod/postgres' });
    expect(deployed.POSTGRES_PASSWORD).toBe('');
    expect(loadSettings({ POSTGRES_HOST: 'db.prod.example.com', POSTGRES_PASSWORD: 's3cret' }).POSTGRES_PASSWORD).toBe('s3cret');
    expect(loadSettings({ POSTGRES_HOST: 'postgres' }).POSTGRES_PASSWORD).toBe('banking_password'); // docker-compose
  });

  test('an empty value keeps the default', () => {
    expect(loadSettings({ POSTGRES_HOST: '' }).POSTGRES_HOST).toBe('127.0.0.1');
  });

  test('redact hides secrets', () => {
    const r = redact(loadSettings({ SNOWFLAKE_PASSWORD: 'hunter2' }));
    expect(JSON.stringify(r)).not.toContain('hunter2');
    expect(r.POSTGRES_PASSWORD).toBe('***');
    expect(r.POSTGRES_USER).toBe('banking_user');
  });
});
