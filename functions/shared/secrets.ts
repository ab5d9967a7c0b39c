/**
 * Passwords for deployed functions, from a Secrets Manager secret named in the environment, read
 * at the first connection (a cold start) rather than resolved at deploy time: so no password is
 * ever in the CloudFormation template, the Lambda configuration or `sls package` (which then needs
 * no AWS access). The value is cached per container, so a warm invocation does not call Secrets
 * Manager again; a failed read is not cached, so the next invocation retries it. Errors name the
 * secret, never its content.
 */
import { ConfigError } from './errors';

/** Returns the SecretString of a secret (name or ARN). */
export type SecretReader = (secretId: string) => Promise<string>;

/** A secret holds the bare password, or JSON with a `password` field (as RDS and the console's key/value secrets store it). */
export function passwordFromSecret(secretId: string, secretString: string, variable = 'SNOWFLAKE_SECRET_ID'): string {
  const trimmed = secretString.trim();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new ConfigError(`secret ${secretId} looks like JSON but does not parse`, [`${variable}: unparsable JSON`]);
    }
    const password = (parsed as { password?: unknown }).password;
    if (typeof password !== 'string' || password === '') {
      throw new ConfigError(`secret ${secretId} has no non-empty "password" field`, [`${variable}: no password field`]);
    }
    return password;
  }
  if (trimmed === '') throw new ConfigError(`secret ${secretId} is empty`, [`${variable}: empty secret`]);
  return secretString;
}

/** Reads a secret with the AWS SDK, loaded only when a secret is actually used. */
export const secretsManagerReader: SecretReader = async (secretId) => {
  const sm = require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager');
  const out = await new sm.SecretsManagerClient({}).send(new sm.GetSecretValueCommand({ SecretId: secretId }));
  if (out.SecretString === undefined) throw new ConfigError(`secret ${secretId} has no SecretString`, ['binary secret']);
  return out.SecretString;
};

export interface PasswordSource {
  /** The password given directly (local runs); wins when not empty. */
  password: string;
  /** Otherwise, the secret holding it. */
  secretId: string;
  /** The variables, for error messages: e.g. ['SNOWFLAKE_PASSWORD', 'SNOWFLAKE_SECRET_ID']. */
  variables: [string, string];
}

/** A password source for one container: the direct password wins; otherwise the secret, read once. */
export function secretPassword(src: PasswordSource, read: SecretReader = secretsManagerReader): () => Promise<string> {
  let cached: Promise<string> | undefined;
  const [passwordVar, secretVar] = src.variables;
  return () => {
    if (src.password !== '') return Promise.resolve(src.password);
    if (src.secretId === '') {
      return Promise.reject(new ConfigError(`${passwordVar} or ${secretVar} must be set`, [`${passwordVar}: required`]));
    }
    cached ??= read(src.secretId)
      .then((s) => passwordFromSecret(src.secretId, s, secretVar))
      .catch((err: unknown) => {
        cached = undefined;
        throw err;
      });
    return cached;
  };
}
