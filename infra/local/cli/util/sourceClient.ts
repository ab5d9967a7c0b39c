/**
 * A Postgres client for the CLIs that compare against the source (e2e, verify, soak). pg emits
 * 'error' on a client whose server went away while it was idle (a Postgres crash or restart);
 * with no listener Node throws it and the whole run dies (the soak's kill -9 of Postgres found
 * this). Here the loss is logged and the client marked dead: the next query fails with a clear
 * error instead, and the caller reconnects (`withSourceClient` opens one per use).
 */
import type { Client } from 'pg';
import { postgresClient } from '../../../../functions/shared/postgres';
import type { Settings } from '../../stack/settings';

export async function connectSource(cfg: Settings, log: (m: string) => void = () => undefined): Promise<Client> {
  const pg = postgresClient(cfg);
  pg.on('error', (err) => log(`Postgres connection lost: ${err.message}`));
  await pg.connect();
  return pg;
}
