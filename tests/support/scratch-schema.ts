/**
 * A throwaway copy of the OLTP schema (sql/postgres/01_schema.sql) in its own Postgres schema, for
 * tests and benchmarks that need a known starting state without touching the shared tables. Not
 * in the Debezium publication, so nothing written there reaches Kafka.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import { dbSettingsFromConfig, openConnection } from '../../functions/generator';
import type { Settings } from '../../infra/stack/settings';

export interface ScratchSchema {
  name: string;
  /** A connection whose search_path is the scratch schema. */
  client: Client;
  drop(): Promise<void>;
}

export async function createScratchSchema(cfg: Settings, prefix = 'scratch'): Promise<ScratchSchema> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const client = await openConnection(dbSettingsFromConfig(cfg, { schema: name, applicationName: `${name}-admin` }));
  await client.query(`CREATE SCHEMA ${name}`);
  await client.query(readFileSync(join(__dirname, '../../sql/postgres/01_schema.sql'), 'utf8'));
  return {
    name,
    client,
    async drop() {
      await client.query(`DROP SCHEMA ${name} CASCADE`);
      await client.end();
    },
  };
}
