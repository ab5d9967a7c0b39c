/** SqlConnection over snowflake-sdk. Credentials go to the driver only; nothing here logs them. */
import snowflake from 'snowflake-sdk';
import type { LoaderConfig } from './config';
import type { SnowflakeCredentials } from './snowflakeCredentials';
import type { SqlBind, SqlConnection } from './snowflakeWarehouse';

type SnowflakeConfig = Pick<
  LoaderConfig,
  'SNOWFLAKE_ACCOUNT' | 'SNOWFLAKE_USER' | 'SNOWFLAKE_WAREHOUSE' | 'SNOWFLAKE_DB' | 'SNOWFLAKE_SCHEMA' | 'SNOWFLAKE_ROLE'
>;

/** The driver's sign-in options: key-pair (SNOWFLAKE_JWT) when there is a key, else the password. */
export function authOptions(credentials: SnowflakeCredentials) {
  return credentials.kind === 'keyPair'
    ? {
        authenticator: 'SNOWFLAKE_JWT',
        privateKey: credentials.privateKey,
        ...(credentials.passphrase ? { privateKeyPass: credentials.passphrase } : {}),
      }
    : { password: credentials.password };
}

export async function connectSnowflake(
  cfg: SnowflakeConfig & { accessUrl?: string },
  credentials: SnowflakeCredentials,
): Promise<SqlConnection> {
  // The driver's own logger can echo connection options; keep it to errors.
  snowflake.configure({ logLevel: 'ERROR' });
  const connection = snowflake.createConnection({
    account: cfg.SNOWFLAKE_ACCOUNT,
    username: cfg.SNOWFLAKE_USER,
    ...authOptions(credentials),
    ...(cfg.accessUrl ? { accessUrl: cfg.accessUrl } : {}),
    warehouse: cfg.SNOWFLAKE_WAREHOUSE,
    database: cfg.SNOWFLAKE_DB,
    schema: cfg.SNOWFLAKE_SCHEMA,
    ...(cfg.SNOWFLAKE_ROLE ? { role: cfg.SNOWFLAKE_ROLE } : {}),
    application: 'banking-cdc-loader',
  });
  await connection.connectAsync();
  return {
    execute(sql, binds?: readonly SqlBind[]) {
      return new Promise((resolve, reject) => {
        connection.execute({
          sqlText: sql,
          ...(binds ? { binds } : {}),
          complete: (err, _stmt, rows) => (err ? reject(err) : resolve((rows ?? []) as Array<Record<string, unknown>>)),
        });
      });
    },
    close() {
      return new Promise((resolve) => connection.destroy(() => resolve()));
    },
  };
}
