import { loadGeneratorConfig } from '../../../functions/generator';
import { GENERATOR_CONFIG_KEYS } from '../../../functions/generator/config';
import { ConfigError } from '../../../functions/shared/errors';

describe("the generator's config", () => {
  test('reads only the source database (and the log level)', () => {
    expect([...GENERATOR_CONFIG_KEYS].sort().join(' ')).toBe(
      'LOG_LEVEL POSTGRES_DB POSTGRES_HOST POSTGRES_PASSWORD POSTGRES_PORT POSTGRES_SECRET_ID POSTGRES_SSL_CA POSTGRES_USER',
    );
    const cfg = loadGeneratorConfig({});
    expect(cfg).toMatchObject({ POSTGRES_DB: 'banking_db', POSTGRES_USER: 'banking_user', POSTGRES_PORT: 5432 });
    expect(cfg).not.toHaveProperty('MINIO_BUCKET');
  });

  test('a wrong value stops start-up naming the variable', () => {
    expect(() => loadGeneratorConfig({ POSTGRES_PORT: 'five' })).toThrow(/POSTGRES_PORT/);
    expect(() => loadGeneratorConfig({ POSTGRES_PORT: 'five' })).toThrow(ConfigError);
    expect(() => loadGeneratorConfig({ LOG_LEVEL: 'chatty' })).toThrow(/LOG_LEVEL/);
  });

  test("another function's or the stack's bad variable does not stop it", () => {
    expect(loadGeneratorConfig({ WAREHOUSE: 'oracle', KAFKA_CONNECT_URL: 'not a url', SWEEP_DAYS: '0' }).POSTGRES_DB).toBe(
      'banking_db',
    );
  });

  test('the default password is for the local stack only', () => {
    expect(() => loadGeneratorConfig({ POSTGRES_HOST: 'db.prod.example.com' })).toThrow(
      /POSTGRES_PASSWORD \(or POSTGRES_SECRET_ID\) must be set/,
    );
    expect(loadGeneratorConfig({}).POSTGRES_PASSWORD).toBe('banking_password');
    const deployed = loadGeneratorConfig({
      POSTGRES_HOST: 'db.prod.example.com',
      POSTGRES_SECRET_ID: 'banking-cdc/prod/postgres',
    });
    expect(deployed.POSTGRES_PASSWORD).toBe('');
  });
});
