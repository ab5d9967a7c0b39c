/**
 * The Node snowflake-sdk itself signs in with what connectSnowflake gives it: a key pair
 * (SNOWFLAKE_JWT) or a password. fakesnow cannot answer the Node driver (its server mode needs
 * packages its venv lacks, and its Arrow results are not what the driver decodes), so the driver
 * talks to a stub of Snowflake's login endpoint here, and the test checks what Snowflake checks:
 * the JWT is signed by the private key, for ACCOUNT.USER and the public key's SHA-256 fingerprint.
 */
import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { connectSnowflake } from '../../../functions/loader/snowflakeConnection';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const encryptedPem = privateKey
  .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'correct horse' })
  .toString();
const fingerprint = `SHA256:${createHash('sha256')
  .update(publicKey.export({ type: 'spki', format: 'der' }))
  .digest('base64')}`;
const cfg = {
  SNOWFLAKE_ACCOUNT: 'xy12345',
  SNOWFLAKE_USER: 'loader_user',
  SNOWFLAKE_WAREHOUSE: 'LOAD_WH',
  SNOWFLAKE_DB: 'BANKING_DB',
  SNOWFLAKE_SCHEMA: 'RAW',
  SNOWFLAKE_ROLE: '',
};

let server: Server;
let url: string;
const logins: Array<Record<string, unknown>> = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = raw.length
        ? (JSON.parse((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString()) as {
            data?: Record<string, unknown>;
          })
        : {};
      res.setHeader('content-type', 'application/json');
      if (req.url?.startsWith('/session/v1/login-request')) {
        logins.push(body.data ?? {});
        res.end(
          JSON.stringify({
            success: true,
            code: null,
            message: null,
            data: { token: 'session-token', masterToken: 'master-token', sessionId: 1, parameters: [], sessionInfo: {} },
          }),
        );
      } else res.end(JSON.stringify({ success: true, code: null, message: null, data: {} }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => (logins.length = 0));

function verifiedJwt(token: unknown): Record<string, unknown> {
  const [header, payload, signature] = String(token).split('.');
  const ok = verify(
    'RSA-SHA256',
    Buffer.from(`${header}.${payload}`),
    createPublicKey(publicKey.export({ type: 'spki', format: 'pem' })),
    Buffer.from(signature!, 'base64url'),
  );
  expect(ok).toBe(true);
  return JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
}

test('key-pair configuration signs in with a JWT the private key signed, for ACCOUNT.USER and its fingerprint', async () => {
  const conn = await connectSnowflake({ ...cfg, accessUrl: url }, { kind: 'keyPair', privateKey: pem });
  await conn.close();
  expect(logins).toHaveLength(1);
  expect(logins[0]).toMatchObject({ AUTHENTICATOR: 'SNOWFLAKE_JWT', LOGIN_NAME: 'loader_user' });
  expect(logins[0]!.PASSWORD).toBeUndefined();
  const claims = verifiedJwt(logins[0]!.TOKEN);
  expect(claims.iss).toBe(`XY12345.LOADER_USER.${fingerprint}`);
  expect(claims.sub).toBe('XY12345.LOADER_USER');
});

test('an encrypted private key signs in with its passphrase', async () => {
  const conn = await connectSnowflake(
    { ...cfg, accessUrl: url },
    { kind: 'keyPair', privateKey: encryptedPem, passphrase: 'correct horse' },
  );
  await conn.close();
  expect(verifiedJwt(logins[0]!.TOKEN).iss).toBe(`XY12345.LOADER_USER.${fingerprint}`);
});

test('the password fallback signs in with the password and no JWT', async () => {
  const conn = await connectSnowflake({ ...cfg, accessUrl: url }, { kind: 'password', password: 'pw-fallback' });
  await conn.close();
  expect(logins[0]).toMatchObject({ LOGIN_NAME: 'loader_user', PASSWORD: 'pw-fallback' });
  expect(logins[0]!.TOKEN).toBeUndefined();
});
