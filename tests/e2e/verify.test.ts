/**
 * `npm run verify` (infra/local/cli/verify-run.ts) on the real pipeline: it passes while the generator
 * runs, with nothing paused, and fails naming the lake object when one RAW row is deleted,
 * duplicated, or has its amount changed (each on a copy of the warehouse, so the run goes on).
 * One e2e run (the persistent one: only new changes flow) serves every case.
 */
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { runE2e, PERSISTENT_RUN } from '../../infra/local/cli/e2e-run';
import { runVerify, type VerifyReport } from '../../infra/local/cli/verify-run';
import { loadSettings } from '../../infra/local/stack/settings';
import { checkAuditLog } from '../../functions/reconcile/auditLog';
import { warehouseCurrentSql } from '../../functions/reconcile/canonical';

jest.setTimeout(15 * 60_000);

const dir = mkdtempSync(join(tmpdir(), 'verify-'));
const auditLog = join(dir, 'audit.jsonl');
const group = `e2e-${PERSISTENT_RUN}`;
let warehousePath = '';
let during: VerifyReport | undefined;

const verify = (path: string) =>
  runVerify({
    cfg: loadSettings(),
    warehousePath: path,
    group,
    auditLog,
    timeoutMs: 300_000,
    log: (m) => console.log(`[verify] ${m}`),
  });

beforeAll(async () => {
  const report = await runE2e({
    iterations: 16,
    seed: 25,
    intervalMs: 500,
    catchUpTimeoutMs: 600_000,
    runId: PERSISTENT_RUN,
    skipDbt: true,
    log: (m) => console.log(`[e2e] ${m}`),
    // While the generator is still committing: the watermark is mid-run.
    duringRun: async ({ warehousePath: path }) => {
      await new Promise((r) => setTimeout(r, 3000));
      during = await verify(path);
    },
  });
  expect(report.match).toBe(true);
  warehousePath = report.warehousePath;
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
});

/** A copy of the warehouse with `sql` applied to the newest change that is a current transaction row; its object. */
async function tampered(sql: (where: string) => string): Promise<{ path: string; object: string; key: string }> {
  const path = join(dir, `tampered-${Date.now()}.duckdb`);
  copyFileSync(warehousePath, path);
  const db = await DuckDBInstance.create(path);
  const conn = await db.connect();
  try {
    const row = (
      await conn.runAndReadAll(
        `SELECT _file, _kafka_topic, _kafka_partition, _kafka_offset, CAST(id AS VARCHAR) FROM (${warehouseCurrentSql('transactions')})
          ORDER BY _lsn DESC, _kafka_offset DESC LIMIT 1`,
      )
    ).getRows()[0]!;
    const where = `_kafka_topic = '${String(row[1])}' AND _kafka_partition = ${String(row[2])} AND _kafka_offset = ${String(row[3])}`;
    await conn.run(sql(where));
    return { path, object: String(row[0]), key: String(row[4]) };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

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

test('every result is in the audit log, chained by hash', () => {
  expect(checkAuditLog(auditLog)).toEqual({ ok: true, entries: 4 });
});
