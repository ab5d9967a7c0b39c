/**
 * The Snowflake password, from SNOWFLAKE_PASSWORD (local runs) or from a Secrets Manager secret
 * named by SNOWFLAKE_SECRET_ID (the cloud). Reading the secret at the first connection rather than
 * resolving it at deploy time keeps the password out of the CloudFormation template, the Lambda
 * configuration and `sls package` (which then needs no AWS access). The value is cached per
 * container, so a warm invocation does not call Secrets Manager again; a failed read is not
 * cached, so the next invocation retries it.
 */
import type { Config } from '../shared/config';
import { ConfigError } from '../shared/errors';

/** Returns the SecretString of a secret (name or ARN). */
export type SecretReader = (secretId: string) => Promise<string>;

/** A secret holds the bare password, or JSON with a `password` field (as the console's "other type of secret" stores key/value pairs). */
export function passwordFromSecret(secretId: string, secretString: string): string {
  const trimmed = secretString.trim();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      // The message names the secret, never its content.
      throw new ConfigError(`secret ${secretId} looks like JSON but does not parse`, ['SNOWFLAKE_SECRET_ID: unparsable JSON']);
    }
    const password = (parsed as { password?: unknown }).password;
    if (typeof password !== 'string' || password === '') {
      throw new ConfigError(`secret ${secretId} has no non-empty "password" field`, ['SNOWFLAKE_SECRET_ID: no password field']);
    }
    return password;
  }
  if (trimmed === '') throw new ConfigError(`secret ${secretId} is empty`, ['SNOWFLAKE_SECRET_ID: empty secret']);
  return secretString;
}

/** Reads a secret with the AWS SDK, loaded only when a secret is actually used. */
export const secretsManagerReader: SecretReader = async (secretId) => {
  const sm = require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager');
  const out = await new sm.SecretsManagerClient({}).send(new sm.GetSecretValueCommand({ SecretId: secretId }));
  if (out.SecretString === undefined)
    throw new ConfigError(`secret ${secretId} has no SecretString`, ['SNOWFLAKE_SECRET_ID: binary secret']);
  return out.SecretString;
};

/** A password source for one container: SNOWFLAKE_PASSWORD wins; otherwise the secret, read once. */
export function snowflakePassword(
  cfg: Pick<Config, 'SNOWFLAKE_PASSWORD' | 'SNOWFLAKE_SECRET_ID'>,
  read: SecretReader = secretsManagerReader,
): () => Promise<string> {
  let cached: Promise<string> | undefined;
  return () => {
    if (cfg.SNOWFLAKE_PASSWORD !== '') return Promise.resolve(cfg.SNOWFLAKE_PASSWORD);
    if (cfg.SNOWFLAKE_SECRET_ID === '') {
      return Promise.reject(
        new ConfigError('WAREHOUSE=snowflake needs SNOWFLAKE_PASSWORD or SNOWFLAKE_SECRET_ID', ['SNOWFLAKE_PASSWORD: required']),
      );
    }
    cached ??= read(cfg.SNOWFLAKE_SECRET_ID)
      .then((s) => passwordFromSecret(cfg.SNOWFLAKE_SECRET_ID, s))
      .catch((err: unknown) => {
        cached = undefined;
        throw err;
      });
    return cached;
  };
}
