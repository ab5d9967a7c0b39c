/**
 * The Snowflake password, from SNOWFLAKE_PASSWORD (local runs) or from a Secrets Manager secret
 * named by SNOWFLAKE_SECRET_ID (the cloud), read at the first connection (functions/shared/secrets.ts).
 */
import type { LoaderConfig } from './config';
import { secretPassword, secretsManagerReader, type SecretReader } from '../shared/secrets';

export { passwordFromSecret, secretsManagerReader, type SecretReader } from '../shared/secrets';

/** A password source for one container: SNOWFLAKE_PASSWORD wins; otherwise the secret, read once. */
export function snowflakePassword(
  cfg: Pick<LoaderConfig, 'SNOWFLAKE_PASSWORD' | 'SNOWFLAKE_SECRET_ID'>,
  read: SecretReader = secretsManagerReader,
): () => Promise<string> {
  return secretPassword(
    {
      password: cfg.SNOWFLAKE_PASSWORD,
      secretId: cfg.SNOWFLAKE_SECRET_ID,
      variables: ['SNOWFLAKE_PASSWORD', 'SNOWFLAKE_SECRET_ID'],
    },
    read,
  );
}
