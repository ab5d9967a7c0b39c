/**
 * TRUNCATE is detected and reported, not replicated (Debezium skips it): sql/postgres/03 records
 * every truncate of a captured table, and reconciliation lists them. In a scratch schema, so the
 * shared tables are never truncated.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSettings } from '../../infra/local/stack/settings';
import { truncations } from '../../functions/reconcile/reconcile';
import { createScratchSchema, type ScratchSchema } from '../../bench/fixtures/scratchSchema';

let scratch: ScratchSchema;
beforeAll(async () => {
  scratch = await createScratchSchema(loadSettings(), 'trunc');
  await scratch.client.query(readFileSync(join(__dirname, '../../sql/postgres/03_truncate_log.sql'), 'utf8'));
});
afterAll(async () => {
  await scratch.drop();
});

test('a TRUNCATE is recorded with its table and WAL position, and reconciliation reports it', async () => {
  expect(await truncations(scratch.client)).toEqual([]);
  await scratch.client.query(`INSERT INTO customers (first_name, last_name, email) VALUES ('a', 'b', 'c@example.com')`);
  await scratch.client.query('TRUNCATE customers CASCADE');
  const found = await truncations(scratch.client);
  // CASCADE truncates the referencing tables too, each a statement of its own.
  expect(found.map((t) => t.table).sort()).toEqual(['accounts', 'customers', 'transactions']);
  for (const t of found) expect(t.lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
  // A rolled-back truncate leaves no record.
  await scratch.client.query('BEGIN');
  await scratch.client.query('TRUNCATE transactions');
  await scratch.client.query('ROLLBACK');
  expect(await truncations(scratch.client)).toHaveLength(3);
});
