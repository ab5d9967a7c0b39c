/**
 * The generator against the real Postgres of the local stack (config defaults). The shared tables
 * are shared with other engineers' runs: nothing here truncates, assertions are on the ids this run
 * created, and the ledger invariant is checked for every generator-owned account in the database.
 * Determinism and failure injection use scratch schemas so their starting state is known.
 */
import type { Context } from 'aws-lambda';
import { Client } from 'pg';
import {
  connectFromConfig,
  openConnection,
  dbSettingsFromConfig,
  parseGeneratorOptions,
  runGenerator,
} from '../../functions/generator';
import type { LoopLogger } from '../../functions/generator/loop';
import { loadSettings } from '../../infra/local/stack/settings';
import { handler } from '../../handlers/generate';
import { ConfigError, ServiceError } from '../../functions/shared/errors';
import { LEDGER_VIOLATIONS_SQL } from '../../bench/fixtures/ledgerSql';
import { createScratchSchema, type ScratchSchema } from '../../bench/fixtures/scratchSchema';

jest.setTimeout(120_000);

const cfg = loadSettings();
let admin: Client;
const scratch: ScratchSchema[] = [];

beforeAll(async () => {
  admin = await openConnection(dbSettingsFromConfig(cfg, { applicationName: 'generator-test-admin' }));
});

afterAll(async () => {
  for (const s of scratch) await s.drop().catch(() => undefined);
  await admin?.end();
});

async function newScratch(): Promise<ScratchSchema> {
  const s = await createScratchSchema(cfg, 'gen_test');
  scratch.push(s);
  return s;
}

function recorder(): LoopLogger & { lines: { level: string; message: string; extra?: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; extra?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, extra?: Record<string, unknown>) => void lines.push({ level, message, extra });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

/** Every row except created_at (timestamps come from the database's clock). */
async function dump(db: Client): Promise<unknown> {
  const q = async (sql: string) => (await db.query(sql)).rows;
  return {
    customers: await q(`SELECT id, first_name, last_name, email FROM customers ORDER BY id`),
    accounts: await q(`SELECT id, customer_id, account_type, balance, currency, status FROM accounts ORDER BY id`),
    transactions: await q(`SELECT id, account_id, txn_type, amount, related_account_id, status FROM transactions ORDER BY id`),
  };
}

test('same seed and same starting state give the same rows', async () => {
  const options = parseGeneratorOptions({ iterations: 4, intervalMs: 0, seed: 4242 });
  const dumps = [];
  for (const seed of [4242, 4242, 4243]) {
    const s = await newScratch();
    const summary = await runGenerator({
      options: { ...options, seed },
      connect: connectFromConfig(cfg, { schema: s.name }),
      logger: recorder(),
    });
    expect(summary).toMatchObject({ succeeded: 4, failed: 0 });
    dumps.push(await dump(s.client));
  }
  const [first, again, otherSeed] = dumps as { transactions: unknown[]; customers: unknown[] }[];
  expect(first!.transactions.length).toBeGreaterThan(4 * 50);
  expect(again).toEqual(first);
  expect(otherSeed).not.toEqual(first);
});

describe('many iterations on the shared tables', () => {
  const accountIds = new Set<number>();
  const customerIds = new Set<number>();
  const deletedCustomerIds: number[] = [];
  const updatedCustomerIds = new Set<number>();
  const closedAccountIds: number[] = [];
  let failedTransactions = 0;

  beforeAll(async () => {
    const summary = await runGenerator({
      options: parseGeneratorOptions({
        iterations: 40,
        intervalMs: 0,
        seed: Date.now() % 1_000_000,
        // more change than the defaults so one run surely updates, closes and deletes
        shares: { customerUpdates: 0.6, accountCloses: 0.5, customerDeletes: 0.6 },
      }),
      connect: connectFromConfig(cfg),
      logger: recorder(),
      onIteration: (_, r) => {
        r.accountIds.forEach((id) => accountIds.add(id));
        r.customerIds.forEach((id) => customerIds.add(id));
        r.updatedCustomerIds.forEach((id) => updatedCustomerIds.add(id));
        deletedCustomerIds.push(...r.deletedCustomerIds);
        closedAccountIds.push(...r.closedAccountIds);
        failedTransactions += r.counts.failedTransactions;
      },
    });
    expect(summary).toMatchObject({ succeeded: 40, failed: 0 });
  });

  test('the rows this run reported are in the database', async () => {
    expect(accountIds.size).toBe(40 * 20);
    const { rows } = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM accounts WHERE id = ANY($1::int[])`, [
      [...accountIds],
    ]);
    expect(Number(rows[0]!.n)).toBe(accountIds.size);
  });

  test('balance = COMPLETED deposits - withdrawals - transfers out + transfers in, exactly, for every generator account', async () => {
    const { rows } = await admin.query(LEDGER_VIOLATIONS_SQL, [true]);
    expect(rows).toEqual([]);
    const covered = await admin.query<{ n: string }>(
      `SELECT count(*) AS n FROM accounts a JOIN customers c ON c.id = a.customer_id
        WHERE a.id = ANY($1::int[]) AND c.email LIKE '%.' || c.id || '@example.%'`,
      [[...accountIds]],
    );
    expect(Number(covered.rows[0]!.n)).toBe(accountIds.size); // the check above covered this run's accounts
  });

  test('no balance is negative, and replayed in id order no step ever was; FAILED rows moved nothing', async () => {
    expect((await admin.query(`SELECT id FROM accounts WHERE balance < 0`)).rows).toEqual([]);
    const { rows } = await admin.query<Record<string, string>>(
      `WITH ev AS (
         SELECT t.id AS txn, t.account_id AS acct, t.txn_type, t.status, t.amount, true AS debit_side,
                CASE WHEN t.status <> 'COMPLETED' THEN 0 WHEN t.txn_type = 'DEPOSIT' THEN t.amount ELSE -t.amount END AS delta
           FROM transactions t WHERE t.account_id = ANY($1::int[])
         UNION ALL
         SELECT t.id, t.related_account_id, t.txn_type, t.status, t.amount, false,
                CASE WHEN t.status = 'COMPLETED' THEN t.amount ELSE 0 END
           FROM transactions t WHERE t.related_account_id = ANY($1::int[])
       ), running AS (
         SELECT *, coalesce(sum(delta) OVER (PARTITION BY acct ORDER BY txn ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
           FROM ev
       )
       SELECT count(*) FILTER (WHERE before + delta < 0) AS negative_steps,
              count(*) FILTER (WHERE status = 'FAILED' AND debit_side AND amount <= before) AS failed_but_affordable,
              count(*) FILTER (WHERE status = 'COMPLETED' AND debit_side AND txn_type <> 'DEPOSIT' AND amount > before) AS completed_unaffordable,
              count(*) FILTER (WHERE status = 'FAILED' AND txn_type = 'WITHDRAWAL') AS failed_withdrawals,
              count(*) FILTER (WHERE status NOT IN ('COMPLETED', 'FAILED')) AS other_status
         FROM running`,
      [[...accountIds]],
    );
    expect(rows[0]).toMatchObject({
      negative_steps: '0',
      failed_but_affordable: '0',
      completed_unaffordable: '0',
      other_status: '0',
    });
    expect(Number(rows[0]!.failed_withdrawals)).toBeGreaterThan(0);
    expect(failedTransactions).toBeGreaterThan(0);
  });

  test('the first transaction of every account is its opening DEPOSIT, and transfers stay in one currency', async () => {
    const firsts = await admin.query<{ id: number; txn_type: string; status: string; related: number | null }>(
      `SELECT DISTINCT ON (t.account_id) t.account_id AS id, t.txn_type, t.status, t.related_account_id AS related
         FROM transactions t WHERE t.account_id = ANY($1::int[]) ORDER BY t.account_id, t.id`,
      [[...accountIds]],
    );
    expect(firsts.rows).toHaveLength(accountIds.size);
    for (const r of firsts.rows) expect(r).toMatchObject({ txn_type: 'DEPOSIT', status: 'COMPLETED', related: null });
    const cross = await admin.query(
      `SELECT t.id FROM transactions t
         JOIN accounts f ON f.id = t.account_id JOIN accounts r ON r.id = t.related_account_id
        WHERE t.account_id = ANY($1::int[]) AND (t.txn_type <> 'TRANSFER' OR f.currency <> r.currency OR f.id = r.id)`,
      [[...accountIds]],
    );
    expect(cross.rows).toEqual([]);
  });

  test('customers were updated and prospects deleted, without touching any account', async () => {
    expect(updatedCustomerIds.size).toBeGreaterThan(0);
    expect(deletedCustomerIds.length).toBeGreaterThan(0);
    const gone = await admin.query(`SELECT id FROM customers WHERE id = ANY($1::int[])`, [deletedCustomerIds]);
    expect(gone.rows).toEqual([]);
    // only customers without accounts are erased: every account this run opened still exists
    const accounts = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM accounts WHERE id = ANY($1::int[])`, [
      [...accountIds],
    ]);
    expect(Number(accounts.rows[0]!.n)).toBe(accountIds.size);
    const emails = await admin.query<{ id: number; email: string }>(`SELECT id, email FROM customers WHERE id = ANY($1::int[])`, [
      [...updatedCustomerIds],
    ]);
    for (const r of emails.rows) expect(r.email).toMatch(new RegExp(`\\.${r.id}@example\\.(com|net|org)$`));
  });

  test('closed accounts are empty and receive no new transactions', async () => {
    expect(closedAccountIds.length).toBeGreaterThan(0);
    const closed = await admin.query<{ id: number; balance: string; status: string }>(
      `SELECT id, balance, status FROM accounts WHERE id = ANY($1::int[])`,
      [closedAccountIds],
    );
    expect(closed.rows).toHaveLength(closedAccountIds.length);
    for (const r of closed.rows) expect(r).toMatchObject({ balance: '0.00', status: 'CLOSED' });

    const before = await admin.query<{ max: string }>(`SELECT coalesce(max(id), 0) AS max FROM transactions`);
    const more = await runGenerator({
      options: parseGeneratorOptions({ iterations: 5, intervalMs: 0, seed: 1 }),
      connect: connectFromConfig(cfg),
      logger: recorder(),
    });
    expect(more.succeeded).toBe(5);
    const touching = await admin.query(
      `SELECT id FROM transactions WHERE id > $1 AND (account_id = ANY($2::int[]) OR related_account_id = ANY($2::int[]))`,
      [before.rows[0]!.max, closedAccountIds],
    );
    expect(touching.rows).toEqual([]);
    expect((await admin.query(LEDGER_VIOLATIONS_SQL, [true])).rows).toEqual([]);
  });
});

test('a failed iteration rolls back whole, a lost connection reconnects with backoff, and the loop goes on', async () => {
  const s = await newScratch();
  // Statement-level trigger on the accounts insert (mid-iteration, after customers were written):
  // the 2nd iteration raises, the 4th kills its own connection. A sequence counts across rollbacks.
  await s.client.query(`
    CREATE SEQUENCE fault_counter;
    CREATE FUNCTION inject_fault() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE n bigint := nextval('fault_counter');
    BEGIN
      IF n = 2 THEN RAISE EXCEPTION 'injected failure'; END IF;
      IF n = 4 THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER inject_fault BEFORE INSERT ON accounts FOR EACH STATEMENT EXECUTE FUNCTION inject_fault();`);
  const log = recorder();
  const summary = await runGenerator({
    options: parseGeneratorOptions({ iterations: 6, intervalMs: 0, seed: 9 }),
    connect: connectFromConfig(cfg, { schema: s.name }),
    logger: log,
    backoff: { initialMs: 20, maxMs: 200 },
  });
  expect(summary).toMatchObject({ succeeded: 4, failed: 2, reconnects: 1 });
  expect(log.lines.filter((l) => l.level === 'error').map((l) => l.extra?.iteration)).toEqual([1, 3]);
  expect(log.lines.find((l) => l.message === 'iteration failed, rolled back')?.extra?.error).toMatch(/injected failure/);
  expect(log.lines.some((l) => l.message === 'iteration failed: connection lost, rolled back; reconnecting')).toBe(true);
  expect(log.lines.some((l) => l.message === 'database reconnected')).toBe(true);

  // Nothing of the two failed iterations remains (their customers were written before the fault).
  const n = async (table: string) => Number((await s.client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  expect(await n('customers')).toBe(summary.totals.inserted.customers - summary.totals.deleted.customers);
  expect(await n('accounts')).toBe(summary.totals.inserted.accounts);
  expect(await n('transactions')).toBe(summary.totals.inserted.transactions);
  expect((await s.client.query(LEDGER_VIOLATIONS_SQL, [true])).rows).toEqual([]);
});

describe('bad database settings stop at start-up, naming the variable', () => {
  const run = (env: Record<string, string>) =>
    runGenerator({
      options: parseGeneratorOptions({ iterations: 1, intervalMs: 0 }),
      connect: connectFromConfig(loadSettings({ ...process.env, ...env })),
      logger: recorder(),
    });

  test('wrong password', async () => {
    await expect(run({ POSTGRES_PASSWORD: 'not-the-password' })).rejects.toThrow(ConfigError);
    await expect(run({ POSTGRES_PASSWORD: 'not-the-password' })).rejects.toThrow(/POSTGRES_PASSWORD/);
  });

  test('the password never appears in the message', async () => {
    const err = await run({ POSTGRES_PASSWORD: 'hunter2-secret' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(JSON.stringify({ message: (err as Error).message, problems: (err as ConfigError).problems })).not.toContain('hunter2');
  });

  test('missing database', async () => {
    await expect(run({ POSTGRES_DB: 'no_such_db_for_generator' })).rejects.toThrow(/POSTGRES_DB/);
  });

  test('nothing listening on the port', async () => {
    const err = await run({ POSTGRES_PORT: '1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as Error).message).toMatch(/POSTGRES_HOST \/ POSTGRES_PORT/);
  });

  test('a malformed port is refused before any connection', () => {
    expect(() => loadSettings({ POSTGRES_PORT: 'fivefourthreetwo' })).toThrow(/POSTGRES_PORT/);
  });
});

test('the scheduled handler runs iterations until shortly before the Lambda deadline; {} runs one', async () => {
  const context = (deadline: number) =>
    ({
      functionName: 'generate',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:generate',
      memoryLimitInMB: '1024',
      awsRequestId: 'test',
      logGroupName: 'test',
      logStreamName: 'test',
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => deadline - Date.now(),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    }) as unknown as Context;

  const started = Date.now();
  const scheduled = await handler({ 'detail-type': 'Scheduled Event', source: 'aws.events' }, context(started + 8000));
  expect(scheduled).toMatchObject({ stoppedBy: 'deadline', failed: 0 });
  expect(scheduled.succeeded).toBeGreaterThanOrEqual(2); // every 2 s for the ~3 s before the 5 s safety margin
  expect(Date.now() - started).toBeLessThan(8000 - 4000);

  const once = await handler({}, context(Date.now() + 60_000));
  expect(once).toMatchObject({ stoppedBy: 'iterations', succeeded: 1 });
});
