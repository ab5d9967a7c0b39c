import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../functions/shared/errors';
import {
  connectWithCredentials,
  credentialsFromSecret,
  snowflakeCredentials,
  type SnowflakeCredentials,
} from '../../../functions/loader/snowflakeCredentials';
import { authOptions } from '../../../functions/loader/snowflakeConnection';
import { snowflakeWarehouse, type SqlConnection } from '../../../functions/loader/snowflakeWarehouse';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const base = {
  SNOWFLAKE_PRIVATE_KEY_PATH: '',
  SNOWFLAKE_PASSWORD: '',
  SNOWFLAKE_SECRET_ID: 'banking-cdc/dev/snowflake',
  SNOWFLAKE_SECRET_TTL_S: 900,
};

describe('Snowflake credentials', () => {
  test('a secret holds a private key (JSON or bare PEM) or a password; the key wins', () => {
    expect(credentialsFromSecret('s', JSON.stringify({ privateKey: pem, privateKeyPassphrase: 'pp', password: 'pw' }))).toEqual({
      kind: 'keyPair',
      privateKey: pem,
      passphrase: 'pp',
    });
    expect(credentialsFromSecret('s', pem)).toEqual({ kind: 'keyPair', privateKey: pem.trim() });
    expect(credentialsFromSecret('s', '{"password":"hunter2"}')).toEqual({ kind: 'password', password: 'hunter2' });
    expect(credentialsFromSecret('s', 'hunter2')).toEqual({ kind: 'password', password: 'hunter2' });
    for (const bad of ['{"privateKey":"hunter2"}', '{"user":"x"}', '  ']) {
      let err: unknown;
      try {
        credentialsFromSecret('banking-cdc/dev/snowflake', bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).not.toContain('hunter2');
    }
  });

  test('key-pair credentials become the driver options for SNOWFLAKE_JWT; a password stays a password', () => {
    expect(authOptions({ kind: 'keyPair', privateKey: pem, passphrase: 'pp' })).toEqual({
      authenticator: 'SNOWFLAKE_JWT',
      privateKey: pem,
      privateKeyPass: 'pp',
    });
    expect(authOptions({ kind: 'password', password: 'pw' })).toEqual({ password: 'pw' });
  });

  test('SNOWFLAKE_PRIVATE_KEY_PATH is read as the key, before any password or secret', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sfkey-')), 'rsa_key.p8');
    writeFileSync(file, pem);
    const read = jest.fn(async () => 'from-secret');
    const c = snowflakeCredentials({ ...base, SNOWFLAKE_PRIVATE_KEY_PATH: file, SNOWFLAKE_PASSWORD: 'pw' }, { read });
    await expect(c.get()).resolves.toEqual({ kind: 'keyPair', privateKey: pem });
    expect(read).not.toHaveBeenCalled();
  });

  test('the secret is read again after its TTL', async () => {
    let t = 0;
    const read = jest
      .fn<Promise<string>, [string]>()
      .mockResolvedValueOnce('{"password":"old"}')
      .mockResolvedValue('{"password":"new"}');
    const c = snowflakeCredentials({ ...base, SNOWFLAKE_SECRET_TTL_S: 60 }, { read, now: () => t });
    await expect(c.get()).resolves.toEqual({ kind: 'password', password: 'old' });
    t = 59_000;
    await expect(c.get()).resolves.toEqual({ kind: 'password', password: 'old' });
    t = 60_000;
    await expect(c.get()).resolves.toEqual({ kind: 'password', password: 'new' });
    expect(read).toHaveBeenCalledTimes(2);
  });

  test('a rotated secret is picked up by a warm container: a refused sign-in reads the secret again and retries once', async () => {
    let current: SnowflakeCredentials = { kind: 'keyPair', privateKey: 'OLD' };
    const secret = { value: JSON.stringify({ privateKey: pem.replace('PRIVATE KEY-----\n', 'PRIVATE KEY-----\nOLD') }) };
    const read = jest.fn(async () => secret.value);
    const credentials = snowflakeCredentials(base, { read });
    const accepted = () => secret.value;
    const connections: SqlConnection[] = [];
    const connect = () =>
      connectWithCredentials(credentials, async (c) => {
        current = c;
        // Snowflake accepts only the key the secret holds now.
        if (c.kind !== 'keyPair' || JSON.parse(accepted()).privateKey !== c.privateKey)
          throw Object.assign(new Error('JWT token is invalid.'), { code: '390144' });
        const conn: SqlConnection = { execute: async () => [], close: async () => undefined };
        connections.push(conn);
        return conn;
      });
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const warehouse = snowflakeWarehouse({ target: { database: 'DB', schema: 'RAW', stage: '' }, connect, log: quiet });
    await (await warehouse.open()).close();
    expect(read).toHaveBeenCalledTimes(1);
    // The key is rotated; the kept connection dies (its session expires), the next one must sign in again.
    const cached = secret.value;
    secret.value = JSON.stringify({ privateKey: pem });
    await warehouse.release();
    // The container still holds the old key in its cache: the sign-in is refused once, the secret
    // is read again, and the retry signs in with the new key: no cold start.
    expect(JSON.parse(cached).privateKey).not.toBe(pem);
    await (await warehouse.open()).close();
    expect(read).toHaveBeenCalledTimes(2);
    expect(current).toEqual({ kind: 'keyPair', privateKey: pem });
    expect(connections).toHaveLength(2);
  });
});
