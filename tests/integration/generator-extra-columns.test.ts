/**
 * The generator's --fill-new-columns on the real Postgres, in a scratch schema: columns added with
 * ALTER TABLE after tables.ts are found in the catalog and written, exactly, for the rows each
 * iteration touched, in the iteration's transaction.
 */
import { loadSettings } from '../../infra/local/stack/settings';
import { parseGeneratorOptions } from '../../functions/generator';
import { runIteration } from '../../functions/generator/iteration';
import { extraColumns, extraValue } from '../../functions/generator/extraColumns';
import { createScratchSchema, type ScratchSchema } from '../../bench/fixtures/scratchSchema';

let scratch: ScratchSchema;
beforeAll(async () => {
  scratch = await createScratchSchema(loadSettings(), 'extracols');
  await scratch.client.query('ALTER TABLE customers ADD COLUMN loyalty_tier TEXT');
  await scratch.client.query('ALTER TABLE accounts ADD COLUMN overdraft_limit NUMERIC(18,2)');
  await scratch.client.query("ALTER TABLE accounts ADD COLUMN required_note TEXT NOT NULL DEFAULT '-'");
});
afterAll(async () => {
  await scratch.drop();
});

test('finds the nullable columns the tables gained, not the declared or required ones', async () => {
  expect(await extraColumns(scratch.client, 'customers')).toEqual([{ name: 'loyalty_tier', sqlType: 'text' }]);
  expect(await extraColumns(scratch.client, 'accounts')).toEqual([{ name: 'overdraft_limit', sqlType: 'numeric(18,2)' }]);
});

test('fills them for the rows an iteration touched, with exact values', async () => {
  const options = { ...parseGeneratorOptions({ seed: 5 }), fillExtraColumns: true };
  const r = await runIteration(scratch.client, options, 5, 0);
  const customers = await scratch.client.query<{ id: number; loyalty_tier: string | null }>(
    'SELECT id, loyalty_tier FROM customers ORDER BY id',
  );
  expect(customers.rows.length).toBe(r.customerIds.length);
  for (const c of customers.rows) expect(c.loyalty_tier).toBe(extraValue({ name: 'loyalty_tier', sqlType: 'text' }, c.id, 0));
  const accounts = await scratch.client.query<{ id: number; overdraft_limit: string }>(
    'SELECT id, overdraft_limit::text FROM accounts ORDER BY id',
  );
  expect(accounts.rows.length).toBeGreaterThan(0);
  for (const a of accounts.rows) {
    expect(a.overdraft_limit).toBe(extraValue({ name: 'overdraft_limit', sqlType: 'numeric(18,2)' }, a.id, 0));
    expect(a.overdraft_limit).toMatch(/^\d+\.\d{2}$/);
  }
  // Without the option nothing extra is written.
  const plain = await runIteration(scratch.client, parseGeneratorOptions({ seed: 6 }), 6, 1);
  const untouched = await scratch.client.query(
    'SELECT count(*)::int AS n FROM customers WHERE id = ANY($1::int[]) AND loyalty_tier IS NOT NULL',
    [plain.customerIds],
  );
  expect(untouched.rows[0].n).toBe(0);
});
