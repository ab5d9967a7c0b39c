/**
 * The bench's overload load (bench/pipeline/depositLoad.ts) on the real Postgres, in a scratch
 * schema: it holds its rate, counts its changes as rows actually written, and keeps the ledger.
 */
import { connectFromConfig, parseGeneratorOptions, runGenerator } from '../../functions/generator';
import { loadSettings } from '../../infra/local/stack/settings';
import { runDepositLoad } from '../../bench/pipeline/depositLoad';
import { LEDGER_VIOLATIONS_SQL } from '../../bench/fixtures/ledgerSql';
import { createScratchSchema, type ScratchSchema } from '../../bench/fixtures/scratchSchema';

jest.setTimeout(60_000);

const cfg = loadSettings();
let s: ScratchSchema;

beforeAll(async () => {
  s = await createScratchSchema(cfg, 'deposit_test');
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
  await runGenerator({
    options: parseGeneratorOptions({
      iterations: 2,
      intervalMs: 0,
      seed: 7,
      scale: { customers: 200, accounts: 400, transactions: 100 },
    }),
    connect: connectFromConfig(cfg, { schema: s.name }),
    logger: silent,
  });
});

afterAll(async () => {
  await s?.drop();
});

const count = async (sql: string) => Number((await s.client.query<{ n: string }>(sql)).rows[0]!.n);

test('commits deposits at the rate asked, each an insert and a balance update, and the ledger holds', async () => {
  const before = await count(`SELECT count(*) AS n FROM transactions WHERE txn_type = 'DEPOSIT'`);
  const balanceBefore = (await s.client.query<{ b: string }>(`SELECT sum(balance)::text AS b FROM accounts`)).rows[0]!.b;
  const r = await runDepositLoad(s.client, { changesPerSec: 2000, signal: AbortSignal.timeout(2000), seed: 3 });
  const deposits = (await count(`SELECT count(*) AS n FROM transactions WHERE txn_type = 'DEPOSIT'`)) - before;
  expect(deposits).toBe(r.deposits);
  expect(r.changes).toBe(2 * r.deposits);
  // 2 s at 2,000 changes/s, ticks of 100 ms: within one tick of the target.
  expect(r.changes).toBeGreaterThanOrEqual(3600);
  expect(r.changes).toBeLessThanOrEqual(4200);
  const balanceAfter = (await s.client.query<{ b: string }>(`SELECT sum(balance)::text AS b FROM accounts`)).rows[0]!.b;
  const added = (
    await s.client.query<{ b: string }>(
      `SELECT sum(amount)::text AS b FROM (SELECT amount FROM transactions WHERE txn_type = 'DEPOSIT' ORDER BY id DESC LIMIT $1) x`,
      [deposits],
    )
  ).rows[0]!.b;
  // Exact decimal arithmetic in Postgres: the balances rose by exactly the deposits.
  const check = await s.client.query<{ ok: boolean }>(`SELECT $1::numeric + $2::numeric = $3::numeric AS ok`, [
    balanceBefore,
    added,
    balanceAfter,
  ]);
  expect(check.rows[0]!.ok).toBe(true);
  expect((await s.client.query(LEDGER_VIOLATIONS_SQL, [false])).rowCount).toBe(0);
});
