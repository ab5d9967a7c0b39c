import { loadSettings } from '../../../infra/stack/settings';
import { ConfigError } from '../../../functions/shared/errors';
import { passwordFromSecret, snowflakePassword } from '../../../functions/loader/snowflakeSecret';
import { secretPassword } from '../../../functions/shared/secrets';

describe('Snowflake password from Secrets Manager', () => {
  test('a secret holds the bare password or JSON with a password field', () => {
    expect(passwordFromSecret('s', 'p@ss word')).toBe('p@ss word');
    expect(passwordFromSecret('s', '{"username":"loader","password":"hunter2"}')).toBe('hunter2');
  });

  test('a malformed secret is reported by name, never by content', () => {
    for (const bad of ['{"password": ""}', '{"user":"x"}', '{not json hunter2', '  ']) {
      let err: unknown;
      try {
        passwordFromSecret('banking-cdc/dev/snowflake', bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain('banking-cdc/dev/snowflake');
      expect((err as Error).message).not.toContain('hunter2');
    }
  });

  test('SNOWFLAKE_PASSWORD wins and the secret is then never read', async () => {
    const read = jest.fn(async () => 'from-secret');
    await expect(snowflakePassword({ SNOWFLAKE_PASSWORD: 'local', SNOWFLAKE_SECRET_ID: 'id' }, read)()).resolves.toBe('local');
    expect(read).not.toHaveBeenCalled();
  });

  test('the secret is read once per container; a failed read is retried on the next call', async () => {
    const read = jest
      .fn<Promise<string>, [string]>()
      .mockRejectedValueOnce(new Error('throttled'))
      .mockResolvedValue('{"password":"hunter2"}');
    const password = snowflakePassword({ SNOWFLAKE_PASSWORD: '', SNOWFLAKE_SECRET_ID: 'arn:aws:secretsmanager:x' }, read);
    await expect(password()).rejects.toThrow('throttled');
    await expect(password()).resolves.toBe('hunter2');
    await expect(password()).resolves.toBe('hunter2');
    expect(read).toHaveBeenCalledTimes(2);
    expect(read).toHaveBeenCalledWith('arn:aws:secretsmanager:x');
  });

  test('config: WAREHOUSE=snowflake accepts a secret id instead of a password', () => {
    const base = { WAREHOUSE: 'snowflake', SNOWFLAKE_ACCOUNT: 'acme', SNOWFLAKE_USER: 'loader', SNOWFLAKE_WAREHOUSE: 'wh' };
    expect(() => loadSettings(base)).toThrow(/SNOWFLAKE_PASSWORD.*SNOWFLAKE_SECRET_ID/);
    expect(loadSettings({ ...base, SNOWFLAKE_SECRET_ID: 'banking-cdc/prod/snowflake' }).SNOWFLAKE_SECRET_ID).toBe(
      'banking-cdc/prod/snowflake',
    );
  });
});

test('config: MINIO_ENDPOINT=aws selects real S3 (empty endpoint), empty keeps the local MinIO', () => {
  expect(loadSettings({ MINIO_ENDPOINT: 'aws' }).MINIO_ENDPOINT).toBe('');
  expect(loadSettings({ MINIO_ENDPOINT: '' }).MINIO_ENDPOINT).toBe('http://127.0.0.1:9000');
});

describe('the generator password (POSTGRES_SECRET_ID)', () => {
  test('read from the secret once per container when no password is given; the local stack needs none', async () => {
    const reads: string[] = [];
    const password = secretPassword(
      { password: '', secretId: 'banking-cdc/prod/postgres', variables: ['POSTGRES_PASSWORD', 'POSTGRES_SECRET_ID'] },
      async (id) => {
        reads.push(id);
        return '{"username":"banking_user","password":"from-rds"}';
      },
    );
    expect(await password()).toBe('from-rds');
    expect(await password()).toBe('from-rds');
    expect(reads).toEqual(['banking-cdc/prod/postgres']);
    await expect(
      secretPassword({ password: '', secretId: '', variables: ['POSTGRES_PASSWORD', 'POSTGRES_SECRET_ID'] })(),
    ).rejects.toThrow(/POSTGRES_PASSWORD or POSTGRES_SECRET_ID must be set/);
    expect(loadSettings({}).POSTGRES_PASSWORD).toBe('banking_password');
  });
});
