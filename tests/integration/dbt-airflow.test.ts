/**
 * dbt and Airflow on a warehouse produced by the real pipeline:
 *   Postgres -> Debezium -> Kafka -> writeBatch -> MinIO -> loadObject -> DuckDB RAW
 * with the functions running under `sls offline` (fresh consumer group, fresh warehouse file of this
 * run, so the shared pipeline's file is never held). Changes made here in Postgres (unique per run)
 * must show up in the models: an update as a closed version plus a new one, a delete as a closed
 * version, each bounded by the commit times of the transactions that made them.
 *
 * Each test builds on its own copy of the RAW file (WAREHOUSE_PATH), so they are independent.
 */
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { Client } from 'pg';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaBrokers } from '../../infra/local/stack/settings';
import { consumerGroupFor } from '../../functions/shared/consumerGroups';
import { TABLE_NAMES, topicFor } from '../../functions/shared/tables';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { makeContext } from '../../infra/local/stack/context';
import { ensureVenv, venvBin } from '../../infra/local/stack/python';
import { airflowEnv } from '../../infra/local/stack/services/airflow';
import { startOffline, type OfflineProcess } from '../../infra/local/cli/offline';
import { portOpen } from '../../infra/local/stack/proc';
import { withLockRetry } from '../../functions/loader/lockRetry';
import { postgresClient } from '../../functions/shared/postgres';
import { dbtEnv } from '../support/dbtEnv';

// The writer replays the topics from the start (a fresh consumer group), so the time grows with the
// history on the machine: minutes on a busy dev machine, much less in CI's fresh clone.
jest.setTimeout(25 * 60_000);

const execFileP = promisify(execFile);
const ctx = makeContext({ quiet: true });
const runId = `${Date.now().toString(36)}${randomUUID().slice(0, 4)}`;
const dir = join(ctx.stackDir, 'dbt-tests', runId);
// Not raw.duckdb: DuckDB names the catalog after the file, and a catalog "raw" clashes with schema raw.
const rawPath = join(dir, 'pipeline.duckdb');
// A settled pipeline: relationship tests check every row, not only those older than the grace period.
const DBT_VARS = '{relationship_grace_minutes: 0}';

/** A committed source transaction and the wall-clock window its commit happened in (epoch ms). */
interface Commit {
  before: number;
  after: number;
}

interface Scenario {
  customerA: number; // updated (email), keeps one account
  customerB: number; // inserted then deleted (never had an account)
  customerC: number;
  accountA: number; // opening deposit, transfer out, then closed
  accountC: number; // opening deposit, transfer in
  accountD: number; // opened empty, then deleted
  transferId: number;
  emailA1: string;
  emailA2: string;
  tx: { open: Commit; updateEmail: Commit; transfer: Commit; deletes: Commit; close: Commit };
}

let scenario: Scenario;
let dbtVenv: string;
let airflowVenv: string;

function pg(): Client {
  const c = ctx.cfg;
  return postgresClient(c);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Run fn in one Postgres transaction; returns its result and the window of the commit. */
async function inTx<T>(client: Client, fn: () => Promise<T>): Promise<{ result: T; commit: Commit }> {
  await client.query('BEGIN');
  const result = await fn();
  const before = Date.now();
  await client.query('COMMIT');
  const after = Date.now();
  // Distinct commit milliseconds between transactions, so versions never have zero length.
  await pause(25);
  return { result, commit: { before, after } };
}

async function makeChanges(client: Client): Promise<Scenario> {
  const emailA1 = `dbt-${runId}-a@example.test`;
  const emailA2 = `dbt-${runId}-a.new@example.test`;
  const id = async (sql: string, params: unknown[]) => Number((await client.query(sql, params)).rows[0].id);
  const open = await inTx(client, async () => {
    const customerA = await id(`INSERT INTO customers (first_name, last_name, email) VALUES ('Ada', 'Dbt', $1) RETURNING id`, [
      emailA1,
    ]);
    const customerB = await id(`INSERT INTO customers (first_name, last_name, email) VALUES ('Bea', 'Dbt', $1) RETURNING id`, [
      `dbt-${runId}-b@example.test`,
    ]);
    const customerC = await id(`INSERT INTO customers (first_name, last_name, email) VALUES ('Cy', 'Dbt', $1) RETURNING id`, [
      `dbt-${runId}-c@example.test`,
    ]);
    const account = (cust: number) =>
      id(`INSERT INTO accounts (customer_id, account_type, balance, currency) VALUES ($1, 'CHECKING', 0, 'USD') RETURNING id`, [
        cust,
      ]);
    const accountA = await account(customerA);
    const accountC = await account(customerC);
    const accountD = await account(customerC);
    // Accounts open with a DEPOSIT for their initial balance (the generator's ledger rule).
    for (const [acct, amount] of [
      [accountA, '100.00'],
      [accountC, '20.00'],
    ] as const) {
      await client.query(`INSERT INTO transactions (account_id, txn_type, amount) VALUES ($1, 'DEPOSIT', $2)`, [acct, amount]);
      await client.query(`UPDATE accounts SET balance = balance + $2::numeric WHERE id = $1`, [acct, amount]);
    }
    return { customerA, customerB, customerC, accountA, accountC, accountD };
  });
  const ids = open.result;
  const updateEmail = await inTx(client, () =>
    client.query(`UPDATE customers SET email = $2 WHERE id = $1`, [ids.customerA, emailA2]),
  );
  const transfer = await inTx(client, async () => {
    const t = await id(
      `INSERT INTO transactions (account_id, txn_type, amount, related_account_id) VALUES ($1, 'TRANSFER', '30.25', $2) RETURNING id`,
      [ids.accountA, ids.accountC],
    );
    await client.query(`UPDATE accounts SET balance = balance - 30.25 WHERE id = $1`, [ids.accountA]);
    await client.query(`UPDATE accounts SET balance = balance + 30.25 WHERE id = $1`, [ids.accountC]);
    return t;
  });
  const deletes = await inTx(client, async () => {
    await client.query(`DELETE FROM customers WHERE id = $1`, [ids.customerB]);
    await client.query(`DELETE FROM accounts WHERE id = $1`, [ids.accountD]);
  });
  const close = await inTx(client, () => client.query(`UPDATE accounts SET status = 'CLOSED' WHERE id = $1`, [ids.accountA]));
  return {
    ...ids,
    transferId: transfer.result,
    emailA1,
    emailA2,
    tx: {
      open: open.commit,
      updateEmail: updateEmail.commit,
      transfer: transfer.commit,
      deletes: deletes.commit,
      close: close.commit,
    },
  };
}

/** Open a DuckDB file read-only for a moment (waiting while the loader writes to it). */
async function withDb<T>(path: string, fn: (db: DuckDBConnection) => Promise<T>): Promise<T> {
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const instance = await withLockRetry(path, () => DuckDBInstance.create(path, { access_mode: 'READ_ONLY' }), quiet, {
    timeoutMs: 60_000,
  });
  const conn = await instance.connect();
  try {
    await conn.run(`SET TimeZone = 'UTC'`);
    return await fn(conn);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

async function rows(db: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await db.runAndReadAll(sql);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

/** Every lake object the writer of this run stored, from its log lines ("batch stored", keys). */
function storedKeys(logFile: string): Set<string> {
  const keys = new Set<string>();
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{') || !line.includes('"batch stored"')) continue;
    try {
      for (const k of (JSON.parse(line) as { keys?: string[] }).keys ?? []) keys.add(k);
    } catch {
      /* a line cut by a concurrent write */
    }
  }
  return keys;
}

/**
 * Has the pipeline caught up? This run's changes are in RAW (op sequence per key, in LSN order), and
 * every object the writer stored so far is in the loader's ledger. Replaying the topics from the
 * start, the loader takes objects in any order; once this holds, each topic's RAW is a complete
 * prefix (in commit order) reaching at least this run's last change.
 */
async function scenarioLoaded(s: Scenario, logFile: string): Promise<boolean> {
  if (!existsSync(rawPath)) return false;
  try {
    return await withDb(rawPath, async (db) => {
      const loaded = new Set((await rows(db, `SELECT object_key FROM raw._loads`)).map((r) => String(r.object_key)));
      const missing = [...storedKeys(logFile)].filter((k) => !loaded.has(k));
      if (missing.length > 0) return false;
      const ops = async (table: string, id: number) =>
        (
          await rows(
            db,
            `SELECT string_agg(_op, '' ORDER BY _lsn) AS ops FROM (SELECT DISTINCT _op, _lsn FROM raw.${table} WHERE id = ${id})`,
          )
        )[0]?.ops;
      return (
        (await ops('customers', s.customerA)) === 'cu' &&
        (await ops('customers', s.customerB)) === 'cd' &&
        (await ops('accounts', s.accountA)) === 'cuuu' &&
        (await ops('accounts', s.accountD)) === 'cd' &&
        (await ops('transactions', s.transferId)) === 'c'
      );
    });
  } catch (err) {
    if (/does not exist|Catalog Error/i.test((err as Error).message)) return false; // RAW not created yet
    throw err;
  }
}

let cutMs = 0;

/** Wait until the consumer groups `<group>-<table>` have committed offsets at or past each topic's current end. */
async function waitConsumedPast(group: string, deadline: number): Promise<void> {
  const admin = new Kafka({ clientId: 'dbt-test', brokers: kafkaBrokers(ctx.cfg), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = TABLE_NAMES.map((t) => topicFor(t, ctx.cfg.KAFKA_TOPIC_PREFIX));
    const ends = new Map<string, { low: bigint; high: bigint }>();
    for (const topic of topics)
      for (const p of await admin.fetchTopicOffsets(topic))
        ends.set(`${topic}/${p.partition}`, { low: BigInt(p.low), high: BigInt(p.high) });
    for (;;) {
      const behind: string[] = [];
      const committed = await Promise.all(
        TABLE_NAMES.map((table, i) => admin.fetchOffsets({ groupId: consumerGroupFor(group, table), topics: [topics[i]!] })),
      );
      for (const t of committed.flat()) {
        for (const p of t.partitions) {
          const { low, high } = ends.get(`${t.topic}/${p.partition}`) ?? { low: 0n, high: 0n };
          // -1: nothing committed, which is caught up only for a partition with no records (a
          // transactions partition no key of this run hashed to).
          const at = p.offset === '-1' ? low : BigInt(p.offset);
          if (at < high) behind.push(`${t.topic}/${p.partition} at ${p.offset} < ${high}`);
        }
      }
      if (behind.length === 0) return;
      if (Date.now() > deadline) throw new Error(`the writer (group ${group}) did not catch up: ${behind.join(', ')}`);
      await pause(2000);
    }
  } finally {
    await admin.disconnect();
  }
}

/** A copy of the RAW file for one test, cut at cutMs (see beforeAll). */
async function copyOfRaw(name: string): Promise<string> {
  const p = join(dir, `${name}.duckdb`);
  copyFileSync(rawPath, p);
  if (existsSync(`${rawPath}.wal`)) copyFileSync(`${rawPath}.wal`, `${p}.wal`);
  const instance = await DuckDBInstance.create(p);
  const conn = await instance.connect();
  try {
    for (const t of ['customers', 'accounts', 'transactions'])
      await conn.run(`DELETE FROM raw.${t} WHERE _source_ts_ms > ${cutMs}`);
    await conn.run('CHECKPOINT');
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return p;
}

async function dbt(args: string[], warehouse: string, targetDir: string) {
  try {
    const { stdout } = await execFileP(venvBin(dbtVenv, 'dbt'), args, {
      cwd: join(ctx.root, 'dbt'),
      env: dbtEnv(ctx.root, warehouse, targetDir),
      maxBuffer: 64 * 1024 * 1024,
    });
    return { ok: true, output: stdout };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** Timestamps are selected as epoch_ms(...) (BIGINT, read back as a string): compare as numbers. */
const ms = (v: unknown): number => Number(v);

/** The commit instant Debezium reports is in [before, after] of our COMMIT call, at ms precision. */
function expectWithin(v: unknown, c: Commit): void {
  const t = ms(v);
  expect(t).toBeGreaterThanOrEqual(c.before - 1);
  expect(t).toBeLessThanOrEqual(c.after + 1);
}

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  // Venvs (instant when the locks did not change) while sls offline starts.
  const venvs = Promise.all([ensureVenv(ctx, 'dbt'), ensureVenv(ctx, 'airflow')]);
  let offline: OfflineProcess | undefined;
  const client = pg();
  try {
    // serverless-offline serves the functions on a fixed port (3002): on a shared dev machine another
    // run may hold it for a while, so wait for it (CI runs suites one at a time).
    const portDeadline = Date.now() + 300_000;
    while (await portOpen(3002)) {
      if (Date.now() > portDeadline)
        throw new Error('port 3002 (serverless-offline) stayed busy for 300 s: another sls offline is running');
      await pause(2000);
    }
    offline = await startOffline({
      root: ctx.root,
      logFile: join(dir, 'offline.log'),
      env: { WAREHOUSE_PATH: rawPath, NODE_NO_WARNINGS: '1' },
      params: { consumerGroupId: `dbt-test-${runId}`, generateSchedule: 'false' },
    });
    await client.connect();
    scenario = await makeChanges(client);
    const deadline = Date.now() + 15 * 60_000;
    const waitLoaded = async (what: string) => {
      while (!(await scenarioLoaded(scenario, join(dir, 'offline.log')))) {
        if (Date.now() > deadline)
          throw new Error(`the pipeline did not load ${what} in 15 min; see ${join(dir, 'offline.log')}`);
        // Not too often: each look opens the file and makes the loader wait for it.
        await pause(5000);
      }
    };
    await waitLoaded("this run's changes");
    // A consistent cut: other pipelines may share the bucket (their objects reach our loader too, in any
    // order), so RAW is complete only up to a point in time. Take cutMs = now; once our writer has
    // consumed every topic past its end offsets read a moment later (Debezium has published everything
    // committed before cutMs by then) and all it stored is loaded, RAW holds every change committed
    // at or before cutMs. The copies drop later rows: the source as if paused at cutMs.
    cutMs = Date.now();
    await pause(3000);
    await waitConsumedPast(`dbt-test-${runId}`, deadline);
    await waitLoaded('every object the writer stored');
  } finally {
    await client.end().catch(() => undefined);
    // The loader must let go of the file before anything else opens it.
    await offline?.stop();
  }
  [dbtVenv, airflowVenv] = await venvs;
});

afterAll(() => {
  // Keep the last few runs' folders (warehouse copies, sls offline and dbt logs) for diagnosis.
  const base = join(ctx.stackDir, 'dbt-tests');
  const runs = readdirSync(base).sort();
  for (const old of runs.slice(0, Math.max(0, runs.length - 3))) rmSync(join(base, old), { recursive: true, force: true });
});

describe('dbt on the real pipeline warehouse', () => {
  let built: string;
  let buildResult: { ok: boolean; output: string };

  beforeAll(async () => {
    built = await copyOfRaw('dbt_build');
    buildResult = await dbt(['build', '--target', 'local', '--vars', DBT_VARS], built, join(dir, 'dbt'));
  });

  test('dbt build --target local passes: every model built and every test passed', () => {
    if (!buildResult.ok) throw new Error(`dbt build failed:\n${buildResult.output.split('\n').slice(-60).join('\n')}`);
    const results = JSON.parse(readFileSync(join(dir, 'dbt', 'target', 'run_results.json'), 'utf8')) as {
      results: { unique_id: string; status: string }[];
    };
    const byType = (t: string) => results.results.filter((r) => r.unique_id.startsWith(`${t}.`));
    expect(byType('model').length).toBe(12);
    expect(byType('model').filter((r) => r.status !== 'success')).toEqual([]);
    expect(byType('test').length).toBeGreaterThan(60);
    // The ledger reconciliation only warns (other tests' rows share the source tables); all else must pass.
    const notPassing = byType('test').filter((r) => r.status !== 'pass' && !r.unique_id.includes('assert_balances_match_ledger'));
    expect(notPassing).toEqual([]);
  });

  test('an update shows up as a closed version and a new one, at the update commit time', async () => {
    const s = scenario;
    await withDb(built, async (db) => {
      const versions = await rows(
        db,
        `SELECT email, epoch_ms(valid_from) AS valid_from, epoch_ms(valid_to) AS valid_to, is_current, is_deleted FROM marts.dim_customers WHERE customer_id = ${s.customerA} ORDER BY valid_from`,
      );
      expect(versions.map((v) => [v.email, v.is_current, v.is_deleted])).toEqual([
        [s.emailA1, false, false],
        [s.emailA2, true, false],
      ]);
      const [v1, v2] = versions as [Record<string, unknown>, Record<string, unknown>];
      expectWithin(v1.valid_from, s.tx.open);
      expectWithin(v1.valid_to, s.tx.updateEmail);
      expect(ms(v2.valid_from)).toBe(ms(v1.valid_to));
      expect(v2.valid_to).toBeNull();
      // Exactly the source commit time Debezium carried for the update.
      const [raw] = await rows(db, `SELECT _source_ts_ms FROM raw.customers WHERE id = ${s.customerA} AND _op = 'u'`);
      expect(ms(v1.valid_to)).toBe(Number(raw!._source_ts_ms));

      // Account A: opened (insert + deposit in one source transaction = one version), debited, closed.
      const acct = await rows(
        db,
        `SELECT CAST(balance AS VARCHAR) AS balance, status, epoch_ms(valid_from) AS valid_from, epoch_ms(valid_to) AS valid_to, is_current FROM marts.dim_accounts WHERE account_id = ${s.accountA} ORDER BY valid_from`,
      );
      expect(acct.map((v) => [v.balance, v.status, v.is_current])).toEqual([
        ['100.00', 'OPEN', false],
        ['69.75', 'OPEN', false],
        ['69.75', 'CLOSED', true],
      ]);
      expectWithin(acct[0]!.valid_from, s.tx.open);
      expectWithin(acct[0]!.valid_to, s.tx.transfer);
      expectWithin(acct[1]!.valid_to, s.tx.close);
    });
  });

  test('a delete shows up as a closed version, at the delete commit time, and leaves current state', async () => {
    const s = scenario;
    await withDb(built, async (db) => {
      const customer = await rows(
        db,
        `SELECT epoch_ms(valid_from) AS valid_from, epoch_ms(valid_to) AS valid_to, is_current, is_deleted FROM marts.dim_customers WHERE customer_id = ${s.customerB}`,
      );
      expect(customer.map((v) => [v.is_current, v.is_deleted])).toEqual([[false, true]]);
      expectWithin(customer[0]!.valid_from, s.tx.open);
      expectWithin(customer[0]!.valid_to, s.tx.deletes);
      const account = await rows(
        db,
        `SELECT epoch_ms(valid_to) AS valid_to, is_current, is_deleted FROM marts.dim_accounts WHERE account_id = ${s.accountD}`,
      );
      expect(account.map((v) => [v.is_current, v.is_deleted])).toEqual([[false, true]]);
      expectWithin(account[0]!.valid_to, s.tx.deletes);
      const live = await rows(
        db,
        `SELECT (SELECT count(*) FROM intermediate.int_customers_current WHERE customer_id = ${s.customerB}) AS customers,
                (SELECT count(*) FROM intermediate.int_accounts_current WHERE account_id = ${s.accountD}) AS accounts,
                (SELECT count(*) FROM marts.customer_360 WHERE customer_id = ${s.customerB}) AS c360`,
      );
      expect(live[0]).toEqual({ customers: '0', accounts: '0', c360: '0' });
    });
  });

  test('money stays exact through facts, ledger, daily balances and customer 360', async () => {
    const s = scenario;
    await withDb(built, async (db) => {
      const [fact] = await rows(
        db,
        `SELECT CAST(amount AS VARCHAR) AS amount, CAST(account_balance_effect AS VARCHAR) AS effect, related_account_id, typeof(amount) AS t
         FROM marts.fact_transactions WHERE transaction_id = ${s.transferId}`,
      );
      expect(fact).toEqual({ amount: '30.25', effect: '-30.25', related_account_id: s.accountC, t: 'DECIMAL(18,2)' });
      // Our accounts' balances equal their ledgers to the cent.
      const ledger = await rows(
        db,
        `SELECT a.account_id, CAST(a.balance AS VARCHAR) AS balance, CAST(sum(l.signed_amount) AS VARCHAR) AS ledger
         FROM intermediate.int_accounts_current a JOIN marts.account_ledger l USING (account_id)
         WHERE a.account_id IN (${s.accountA}, ${s.accountC}) GROUP BY ALL ORDER BY a.account_id`,
      );
      expect(ledger).toEqual([
        { account_id: s.accountA, balance: '69.75', ledger: '69.75' },
        { account_id: s.accountC, balance: '50.25', ledger: '50.25' },
      ]);
      const [daily] = await rows(
        db,
        `SELECT CAST(closing_balance AS VARCHAR) AS closing, status FROM marts.account_daily_balances
         WHERE account_id = ${s.accountA} ORDER BY balance_date DESC LIMIT 1`,
      );
      expect(daily).toEqual({ closing: '69.75', status: 'CLOSED' });
      const [c360] = await rows(
        db,
        `SELECT email, profile_versions, account_count, open_account_count, CAST(total_balance AS VARCHAR) AS total
         FROM marts.customer_360 WHERE customer_id = ${s.customerA}`,
      );
      expect(c360).toEqual({
        email: s.emailA2,
        profile_versions: '2',
        account_count: '1',
        open_account_count: '0',
        total: '69.75',
      });
    });
  });
});

describe('Airflow', () => {
  test('airflow dags test banking_dbt passes, waiting out a held warehouse lock', async () => {
    const warehouse = await copyOfRaw('airflow_run');
    const home = join(dir, 'airflow-home');
    const env = airflowEnv(ctx, {
      home,
      airflowVenv,
      dbtVenv,
      extra: {
        WAREHOUSE_PATH: warehouse,
        BANKING_DBT_VARS: DBT_VARS,
        BANKING_DBT_LOCK_DELAY_S: '2',
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE: join(home, 'passwords.json'),
      },
    });
    const airflow = venvBin(airflowVenv, 'airflow');
    await execFileP(airflow, ['db', 'migrate'], { env, maxBuffer: 64 * 1024 * 1024 });

    // Hold the file like a loader would until the DAG has met the lock (and said it retries): it must
    // wait, not fail. Released at the latest after 90 s, within the task's in-task retries.
    const holder = await DuckDBInstance.create(warehouse);
    let held = true;
    const release = () => {
      if (held) holder.closeSync();
      held = false;
    };
    const safety = setTimeout(release, 90_000);
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn(airflow, ['dags', 'test', 'banking_dbt'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const onData = (b: Buffer) => {
        out += b.toString();
        if (held && /warehouse file is locked by another process; retrying/.test(out)) setTimeout(release, 1000);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('error', reject);
      child.once('close', (c) => resolve({ code: c, output: out }));
    });
    clearTimeout(safety);
    release();
    if (code !== 0) throw new Error(`airflow dags test failed (exit ${code}):\n${output.split('\n').slice(-80).join('\n')}`);
    expect(output).toMatch(/DagRun Finished: dag_id=banking_dbt.*state=success/);
    expect(output).toMatch(/warehouse file is locked by another process; retrying/);
    // all_passed runs only when freshness and build both succeeded.
    expect(output).toMatch(/end task task_id=all_passed/);
    // The DAG really built the marts into this run's copy.
    await withDb(warehouse, async (db) => {
      const [r] = await rows(db, `SELECT count(*) AS n FROM marts.dim_customers WHERE customer_id = ${scenario.customerA}`);
      expect(r).toEqual({ n: '2' });
    });
  });
});
