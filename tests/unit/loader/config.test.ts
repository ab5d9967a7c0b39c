import { loadLoaderConfig } from '../../../functions/loader';
import { LOADER_CONFIG_KEYS } from '../../../functions/loader/config';
import { ConfigError } from '../../../functions/shared/errors';

describe("the loader's config", () => {
  test('reads only the lake, the warehouse and the captured tables (and the log level)', () => {
    expect(
      LOADER_CONFIG_KEYS.every((k) =>
        /^(MINIO_(ENDPOINT|ACCESS_KEY|SECRET_KEY|BUCKET)|AWS_REGION|DLQ_PREFIX|WAREHOUSE.*|SWEEP_DAYS|CAPTURED_TABLES|SNOWFLAKE_.*|LOG_LEVEL)$/.test(
          k,
        ),
      ),
    ).toBe(true);
    expect(loadLoaderConfig({})).toMatchObject({ WAREHOUSE: 'duckdb', SWEEP_DAYS: 3, MINIO_BUCKET: 'banking-data' });
    expect(() => loadLoaderConfig({ CAPTURED_TABLES: 'customers,risk score' })).toThrow(/CAPTURED_TABLES/);
  });

  test('a wrong value stops start-up naming the variable', () => {
    expect(() => loadLoaderConfig({ WAREHOUSE: 'oracle' })).toThrow(/WAREHOUSE/);
    expect(() => loadLoaderConfig({ WAREHOUSE: 'oracle' })).toThrow(ConfigError);
    expect(() => loadLoaderConfig({ SWEEP_DAYS: '0' })).toThrow(/SWEEP_DAYS/);
    expect(() => loadLoaderConfig({ WAREHOUSE_LOCK_TIMEOUT_MS: 'soon' })).toThrow(/WAREHOUSE_LOCK_TIMEOUT_MS/);
  });

  test('snowflake needs its credentials, named', () => {
    expect(() => loadLoaderConfig({ WAREHOUSE: 'snowflake', SNOWFLAKE_ACCOUNT: 'acme' })).toThrow(
      /SNOWFLAKE_USER, SNOWFLAKE_PASSWORD, SNOWFLAKE_WAREHOUSE/,
    );
  });

  test("another function's or the stack's bad variable does not stop it", () => {
    const cfg = loadLoaderConfig({ POSTGRES_PORT: 'five', KAFKA_CONNECT_URL: 'not a url', POSTGRES_HOST: 'db.prod.example.com' });
    expect(cfg.WAREHOUSE).toBe('duckdb');
    expect(cfg).not.toHaveProperty('POSTGRES_PASSWORD');
  });
});
