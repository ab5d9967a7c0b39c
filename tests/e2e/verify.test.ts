/**
 * `npm run verify` (infra/local/cli/verify-run.ts) on the real pipeline: it passes while the generator
 * runs, with nothing paused, the dbt marts (built mid-run) included, and fails naming the lake object
 * when one RAW row is deleted, duplicated, or has its amount changed, and naming the mart, key and
 * column when a mart's amount is changed or a dim row deleted (each on a copy of the warehouse, so
 * the run goes on). One e2e run (the persistent one: only new changes flow) serves every case.
 */
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { runE2e, PERSISTENT_RUN } from '../../infra/local/cli/e2e-run';
import { runVerify, type VerifyReport } from '../../infra/local/cli/verify-run';
import { runDbt } from '../../infra/local/cli/dbt';
import { describe as describeVerify } from '../../infra/local/cli/verify';
import { loadSettings } from '../../infra/local/stack/settings';
import { makeContext } from '../../infra/local/stack/context';
import { checkAuditLog } from '../../functions/reconcile/auditLog';
import { warehouseCurrentSql } from '../../functions/reconcile/canonical';
import { isLockError } from '../../functions/loader/lockRetry';
import { markFileWanted } from '../../functions/loader/wantedMarker';

jest.setTimeout(15 * 60_000);

const dir = mkdtempSync(join(tmpdir(), 'verify-'));
const auditLog = join(dir, 'audit.jsonl');
const group = `e2e-${PERSISTENT_RUN}`;
let warehousePath = '';
let during: VerifyReport | undefined;
let sourceRowsAtEnd = 0;

const verify = (path: string, beforeCompare?: () => Promise<void>) =>
  runVerify({
    cfg: loadSettings(),
    warehousePath: path,
    group,
    auditLog,
    timeoutMs: 300_000,
    requireMarts: true,
    ...(beforeCompare ? { beforeCompare } : {}),
    log: (m) => console.log(`[verify] ${m}`),
  });

/** `dbt run` on the warehouse the loader is writing: the loader is asked for the file, a busy file retried (as Airflow's runner does). */
async function dbtRunLive(path: string): Promise<void> {
  const ctx = makeContext({ quiet: true });
  for (let attempt = 1; ; attempt++) {
    markFileWanted(path);
    const res = await runDbt(ctx, ['run', '--target', 'local'], { WAREHOUSE_PATH: path });
    if (res.ok) return;
    if (!isLockError(res.output) || attempt >= 30) throw new Error(`dbt run failed:\n${res.tail}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

beforeAll(async () => {
  const report = await runE2e({
    iterations: 16,
    seed: 25,
    intervalMs: 500,
    catchUpTimeoutMs: 600_000,
    runId: PERSISTENT_RUN,
    skipDbt: true,
    log: (m) => console.log(`[e2e] ${m}`),
    // While the generator is still committing: the watermark is mid-run, and the marts are built
    // (with changes after it) once RAW holds it, so they are compared at the watermark itself.
    duringRun: async ({ warehousePath: path }) => {
      await new Promise((r) => setTimeout(r, 3000));
      during = await verify(path, () => dbtRunLive(path));
    },
  });
  expect(report.match).toBe(true);
  warehousePath = report.warehousePath;
  sourceRowsAtEnd = report.raw.source.rows.transactions;
});

test('verify passes while the generator runs', () => {
  expect(during?.first).toBeUndefined();
  expect(during?.objectMismatches).toEqual([]);
  expect(during).toMatchObject({ ok: true, doubled: 0, driftCents: '0' });
  expect(during!.tables.transactions.rows).toBeGreaterThan(0);
  expect(during!.objectsChecked).toBeGreaterThan(0);
  // The objects this run wrote carry manifests, each matched by what RAW holds for it.
  expect(during!.manifestMismatches).toEqual([]);
  expect(during!.manifestsVerified).toBeGreaterThan(0);
  expect(during!.manifestsVerified + during!.manifestsUnverified).toBe(during!.objectsChecked);
  // The generator was still committing after the watermark.
  expect(during!.tables.transactions.rows).toBeLessThan(sourceRowsAtEnd);
});

test('verify passes with the marts built mid-run, each compared at the cut its build allows', () => {
  console.log(describeVerify(during!));
  const m = during!.marts;
  expect(m.first).toBeUndefined();
  expect(m).toMatchObject({ ok: true, built: true, notBuilt: [], oldLayout: [], stale: [] });
  expect(Object.keys(m.cuts).sort()).toEqual(['accounts', 'customers', 'transactions']);
  // Built after RAW held the watermark: the cut is the watermark (the marts equal Postgres's snapshot there).
  for (const cut of Object.values(m.cuts)) expect(cut.lsn).toBe(during!.watermark.lsn);
  for (const mart of ['dim_customers', 'dim_accounts', 'fact_transactions', 'account_ledger', 'customer_360'])
    expect({ mart, ...m.marts[mart] }).toMatchObject({ mart, missing: 0, extra: 0, different: 0, rows: expect.any(Number) });
  expect(m.marts.dim_accounts!.rows).toBeGreaterThan(0);
  expect(m.marts.fact_transactions!.rows).toBeGreaterThan(0);
});

/** A copy of the warehouse, changed by `change`; named as the original, since dbt's views name its catalog. */
async function copyChanged<T>(change: (conn: DuckDBConnection) => Promise<T>): Promise<{ path: string } & T> {
  const path = join(mkdtempSync(join(dir, 'tampered-')), basename(warehousePath));
  copyFileSync(warehousePath, path);
  const db = await DuckDBInstance.create(path);
  const conn = await db.connect();
  try {
    return { path, ...(await change(conn)) };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** A copy of the warehouse with `sql` applied to the newest change that is a current transaction row; its object. */
const tampered = (sql: (where: string) => string) =>
  copyChanged(async (conn) => {
    const row = (
      await conn.runAndReadAll(
        `SELECT _file, _kafka_topic, _kafka_partition, _kafka_offset, CAST(id AS VARCHAR) FROM (${warehouseCurrentSql('transactions')})
          ORDER BY _lsn DESC, _kafka_offset DESC LIMIT 1`,
      )
    ).getRows()[0]!;
    const where = `_kafka_topic = '${String(row[1])}' AND _kafka_partition = ${String(row[2])} AND _kafka_offset = ${String(row[3])}`;
    await conn.run(sql(where));
    return { object: String(row[0]), key: String(row[4]) };
  });

/** The first value of a query on the copy. */
const first = async (conn: DuckDBConnection, sql: string) => String((await conn.runAndReadAll(sql)).getRows()[0]![0]);

test('one RAW row deleted: fails naming its object', async () => {
  const t = await tampered((w) => `DELETE FROM raw.transactions WHERE ${w}`);
  const r = await verify(t.path);
  expect(r.ok).toBe(false);
  expect(r.objectMismatches).toEqual([expect.objectContaining({ object: t.object, rawRows: expect.any(Number) })]);
  expect(r.objectMismatches[0]!.ledgerRows - r.objectMismatches[0]!.rawRows).toBe(1);
  // Its manifest names the record: compared with the object itself, the row is missing from RAW.
  expect(r.manifestMismatches).toEqual([
    expect.objectContaining({ object: t.object, difference: expect.stringMatching(/^rows: manifest \d+, RAW \d+$/) }),
  ]);
  expect(r.manifestMismatches[0]).toMatchObject({ key: t.key, column: '(row missing in RAW)' });
});

test('one RAW row duplicated: fails naming its object', async () => {
  const t = await tampered((w) => `INSERT INTO raw.transactions SELECT * FROM raw.transactions WHERE ${w}`);
  const r = await verify(t.path);
  expect(r.ok).toBe(false);
  expect(r.doubled).toBe(1);
  expect(r.objectMismatches).toEqual([expect.objectContaining({ object: t.object })]);
  expect(r.objectMismatches[0]!.rawRows - r.objectMismatches[0]!.ledgerRows).toBe(1);
  expect(r.manifestMismatches).toEqual([
    expect.objectContaining({ object: t.object, key: t.key, column: '(row held 2 times in RAW)' }),
  ]);
});

test('one amount changed: fails naming the table, key, column and object', async () => {
  const t = await tampered((w) => `UPDATE raw.transactions SET amount = amount + 0.01 WHERE ${w}`);
  const r = await verify(t.path);
  expect(r.ok).toBe(false);
  expect(r.first).toMatchObject({ table: 'transactions', column: 'amount', origin: { object: t.object } });
  expect(r.driftCents).toBe('-1');
  expect(r.objectMismatches).toEqual([]);
  // The row count is right; the manifest's exact sum is not, and the object's row says which value.
  expect(r.manifestMismatches).toEqual([
    expect.objectContaining({
      object: t.object,
      key: t.key,
      column: 'amount',
      difference: expect.stringMatching(/^sum\(amount\): manifest /),
    }),
  ]);
});

test("one amount changed in a mart: fails naming the mart, key and column, and RAW's object", async () => {
  // The transaction whose latest change is the oldest: in every cut.
  const t = await copyChanged(async (conn) => {
    const key = await first(conn, 'SELECT transaction_id FROM marts.fact_transactions ORDER BY last_change_lsn LIMIT 1');
    await conn.run(`UPDATE marts.fact_transactions SET amount = amount + 0.01 WHERE transaction_id = ${key}`);
    return { key };
  });
  const r = await verify(t.path);
  console.log(describeVerify(r));
  expect(r.ok).toBe(false);
  expect(r.rawOk).toBe(true);
  expect(r.marts.first).toMatchObject({ mart: 'fact_transactions', key: t.key, column: 'amount' });
  expect(r.marts.first!.origin?.object).toMatch(/^transactions\/date=/);
  expect(r.marts.marts.fact_transactions).toMatchObject({ different: 1, missing: 0, extra: 0 });
});

test('one dim row deleted: fails naming the dim, key and the missing row', async () => {
  // A customer with one version, opened first: valid at every cut.
  const t = await copyChanged(async (conn) => {
    const key = await first(
      conn,
      `SELECT customer_id FROM marts.dim_customers GROUP BY customer_id
        HAVING count(*) = 1 AND NOT bool_or(is_deleted) ORDER BY min(change_lsn) LIMIT 1`,
    );
    await conn.run(`DELETE FROM marts.dim_customers WHERE customer_id = ${key}`);
    return { key };
  });
  const r = await verify(t.path);
  expect(r.ok).toBe(false);
  expect(r.rawOk).toBe(true);
  expect(r.marts.first).toMatchObject({ mart: 'dim_customers', key: t.key, column: '(row missing in the mart)' });
  expect(r.marts.marts.dim_customers).toMatchObject({ missing: 1, extra: 0, different: 0 });
});

test('every result is in the audit log, chained by hash', () => {
  expect(checkAuditLog(auditLog)).toEqual({ ok: true, entries: 6 });
});
