/**
 * How the loader signs in to Snowflake. Key-pair authentication (Snowflake's JWT) is what deploys
 * use; a password is the fallback. Sources, first match wins:
 *   SNOWFLAKE_PRIVATE_KEY_PATH (a PEM file: local runs), SNOWFLAKE_PASSWORD (local runs), or the
 *   Secrets Manager secret SNOWFLAKE_SECRET_ID (the cloud): JSON with `privateKey` (PEM, and
 *   `privateKeyPassphrase` when it is encrypted) or `password`, or a bare PEM key or password.
 * The secret is cached per container for SNOWFLAKE_SECRET_TTL_S and read again after it, and at
 * once after a failed sign-in (invalidate()): a rotated key or password is picked up by warm
 * containers, and a stale one is not tried over and over (which can lock the user).
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../shared/errors';
import { secretsManagerReader, type SecretReader } from '../shared/secrets';
import type { LoaderConfig } from './config';

export type SnowflakeCredentials =
  { kind: 'keyPair'; privateKey: string; passphrase?: string } | { kind: 'password'; password: string };

export interface CredentialSource {
  get(): Promise<SnowflakeCredentials>;
  /** Forget what was read: the next get() reads the secret again. */
  invalidate(): void;
}

const PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** A secret's content as credentials; errors name the secret, never its content. */
export function credentialsFromSecret(secretId: string, secretString: string): SnowflakeCredentials {
  const text = secretString.trim();
  if (text === '') throw new ConfigError(`secret ${secretId} is empty`, ['SNOWFLAKE_SECRET_ID: empty secret']);
  if (PEM.test(text) && !text.startsWith('{')) return { kind: 'keyPair', privateKey: text };
  if (!text.startsWith('{')) return { kind: 'password', password: secretString };
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new ConfigError(`secret ${secretId} looks like JSON but does not parse`, ['SNOWFLAKE_SECRET_ID: unparsable JSON']);
  }
  const key = parsed.privateKey ?? parsed.private_key;
  if (typeof key === 'string' && key !== '') {
    if (!PEM.test(key))
      throw new ConfigError(`secret ${secretId}: privateKey is not a PEM private key`, [
        'SNOWFLAKE_SECRET_ID: privateKey not PEM',
      ]);
    const pass = parsed.privateKeyPassphrase ?? parsed.private_key_passphrase;
    return { kind: 'keyPair', privateKey: key, ...(typeof pass === 'string' && pass !== '' ? { passphrase: pass } : {}) };
  }
  if (typeof parsed.password === 'string' && parsed.password !== '') return { kind: 'password', password: parsed.password };
  throw new ConfigError(`secret ${secretId} has neither a "privateKey" nor a "password" field`, [
    'SNOWFLAKE_SECRET_ID: no privateKey or password field',
  ]);
}

export function snowflakeCredentials(
  cfg: Pick<LoaderConfig, 'SNOWFLAKE_PRIVATE_KEY_PATH' | 'SNOWFLAKE_PASSWORD' | 'SNOWFLAKE_SECRET_ID' | 'SNOWFLAKE_SECRET_TTL_S'>,
  deps: { read?: SecretReader; now?: () => number } = {},
): CredentialSource {
  const read = deps.read ?? secretsManagerReader;
  const now = deps.now ?? Date.now;
  let cached: { value: Promise<SnowflakeCredentials>; at: number } | undefined;
  return {
    get() {
      if (cfg.SNOWFLAKE_PRIVATE_KEY_PATH !== '') {
        return readFile(cfg.SNOWFLAKE_PRIVATE_KEY_PATH, 'utf8').then(
          (privateKey) => ({ kind: 'keyPair', privateKey }),
          (err: unknown) => {
            throw new ConfigError(`cannot read SNOWFLAKE_PRIVATE_KEY_PATH: ${(err as Error).message}`, [
              'SNOWFLAKE_PRIVATE_KEY_PATH: unreadable',
            ]);
          },
        );
      }
      if (cfg.SNOWFLAKE_PASSWORD !== '') return Promise.resolve({ kind: 'password', password: cfg.SNOWFLAKE_PASSWORD });
      if (cfg.SNOWFLAKE_SECRET_ID === '') {
        return Promise.reject(
          new ConfigError('SNOWFLAKE_PRIVATE_KEY_PATH, SNOWFLAKE_PASSWORD or SNOWFLAKE_SECRET_ID must be set', [
            'SNOWFLAKE_SECRET_ID: required',
          ]),
        );
      }
      if (cached && now() - cached.at >= cfg.SNOWFLAKE_SECRET_TTL_S * 1000) cached = undefined;
      if (!cached) {
        const value = read(cfg.SNOWFLAKE_SECRET_ID).then((s) => credentialsFromSecret(cfg.SNOWFLAKE_SECRET_ID, s));
        // A failed read is not cached: the next call tries again.
        value.catch(() => {
          if (cached?.value === value) cached = undefined;
        });
        cached = { value, at: now() };
      }
      return cached.value;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

/**
 * Snowflake's sign-in failures (wrong password, JWT refused or expired, user locked): worth one
 * fresh read of the secret, as a rotation may have happened. Codes from Snowflake's login errors
 * (390100 incorrect credentials, 390144 JWT invalid, 390318 / 390112 token expired, 394304 ...);
 * the message is checked too because drivers wrap them differently.
 */
export function isAuthenticationError(err: unknown): boolean {
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  if (/^390\d{3}$|^394\d{3}$/.test(code)) return true;
  const message = (err as { message?: unknown } | null)?.message;
  return (
    typeof message === 'string' && /incorrect username or password|JWT token is invalid|authentication failed/i.test(message)
  );
}

/** Connects with the current credentials; after a sign-in failure, reads the secret again and tries once more. */
export async function connectWithCredentials<C>(
  source: CredentialSource,
  connect: (credentials: SnowflakeCredentials) => Promise<C>,
): Promise<C> {
  try {
    return await connect(await source.get());
  } catch (err) {
    if (!isAuthenticationError(err)) throw err;
    source.invalidate();
    return connect(await source.get());
  }
}
