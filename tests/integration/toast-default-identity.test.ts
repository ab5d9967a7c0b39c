/**
 * A table under REPLICA IDENTITY DEFAULT with a large, incompressible (so TOASTed) text column, on the
 * real Postgres, Debezium and Kafka: the row is inserted, then updated several times on other columns
 * (Debezium sends its placeholder for the unchanged TOASTed value), then once on the text column. The
 * change events go through the writer (storeBatch) and the loader into a DuckDB RAW of this test, then
 * dbt builds staging and the current state, which must equal Postgres exactly. accounts gets the
 * column for the test and DEFAULT identity; both are undone at the end.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from 'pg';
import { DuckDBInstance } from '@duckdb/node-api';
import { storeBatch, type PutRequest } from '../../functions/writer';
import { duckdbWarehouse } from '../../functions/loader/duckdbWarehouse';
import { loadObjects } from '../../functions/loader/loader';
import { postgresClient } from '../../functions/shared/postgres';
import { makeContext } from '../../infra/local/stack/context';
import { ensureVenv, venvBin } from '../../infra/local/stack/python';
import { captureRecords, endOffsets } from '../fixtures/kafkaCapture';
import { memoryStore, recordingLog } from '../unit/loader/fixtures';
import { dbtEnv } from '../support/dbtEnv';

jest.setTimeout(10 * 60_000);

const execFileP = promisify(execFile);
const ctx = makeContext({ quiet: true });
const dir = mkdtempSync(join(tmpdir(), 'toast-'));
const warehouse = join(dir, 'pipeline.duckdb');
const COLUMN = 'toast_notes';
let pg: Client;
let customerId = '';

beforeAll(async () => {
  pg = postgresClient(ctx.cfg);
  await pg.connect();
  await pg.query(`ALTER TABLE accounts ADD COLUMN IF NOT EXISTS ${COLUMN} text`);
  await pg.query('ALTER TABLE accounts REPLICA IDENTITY DEFAULT');
});

afterAll(async () => {
  await pg.query('ALTER TABLE accounts REPLICA IDENTITY FULL');
  if (customerId) await pg.query('DELETE FROM customers WHERE id = $1', [customerId]);
  await pg.query(`ALTER TABLE accounts DROP COLUMN IF EXISTS ${COLUMN}`);
  await pg.end();
  rmSync(dir, { recursive: true, force: true });
});

test('the current state through dbt equals Postgres after updates that leave a TOASTed value unchanged', async () => {
  const venv = ensureVenv(ctx, 'dbt');
  customerId = (
    await pg.query<{ id: string }>(
      `INSERT INTO customers (first_name, last_name, email) VALUES ('Toast', 'Default', $1) RETURNING id::text AS id`,
      [`toast-${Date.now()}-${randomBytes(3).toString('hex')}@example.test`],
    )
  ).rows[0]!.id;
  const start = await endOffsets(ctx.cfg);
  // 9 kB of random base64: pglz cannot compress it below the 2 kB TOAST threshold.
  const id = (
    await pg.query<{ id: string }>(
      `INSERT INTO accounts (customer_id, account_type, balance, ${COLUMN}) VALUES ($1, 'SAVINGS', '1.00', $2) RETURNING id::text AS id`,
      [customerId, randomBytes(6750).toString('base64')],
    )
  ).rows[0]!.id;
  const stored = await pg.query<{ toasted: boolean }>(
    `SELECT pg_column_size(${COLUMN}) > 2000 AND pg_column_size(${COLUMN}) >= octet_length(${COLUMN}) AS toasted FROM accounts WHERE id = $1`,
    [id],
  );
  expect(stored.rows[0]!.toasted).toBe(true);
  for (const balance of ['2.00', '3.00', '4.00']) await pg.query('UPDATE accounts SET balance = $2 WHERE id = $1', [id, balance]);
  await pg.query(`UPDATE accounts SET status = 'CLOSED' WHERE id = $1`, [id]);
  await pg.query(`UPDATE accounts SET ${COLUMN} = $2 WHERE id = $1`, [id, randomBytes(6750).toString('base64')]);
  await pg.query(`UPDATE accounts SET balance = '5.00' WHERE id = $1`, [id]);

  const ours = { customers: new Set<string>(), accounts: new Set([id]), transactions: new Set<string>() };
  const records = (await captureRecords(ctx.cfg, start, ours, 7)).filter((r) => r.topic.endsWith('.accounts'));
  const placeholders = records.filter((r) => Buffer.from(r.value ?? '', 'base64').includes('__debezium_unavailable_value'));
  expect(placeholders.length).toBe(5);

  const objects = new Map<string, PutRequest>();
  const result = await storeBatch(records, {
    sink: { put: async (p) => void objects.set(p.key, p) },
    dlqPrefix: '_dlq',
    topicPrefix: ctx.cfg.KAFKA_TOPIC_PREFIX,
  });
  expect(result.deadLetters).toEqual([]);
  const log = recordingLog();
  const files = new Map([...objects].map(([k, v]) => [`lake/${k}`, Buffer.from(v.body) as Uint8Array]));
  const report = await loadObjects(
    [...objects.keys()].map((key) => ({ bucket: 'lake', key })),
    { warehouse: duckdbWarehouse({ path: warehouse, log, lock: { timeoutMs: 10_000 } }), store: memoryStore(files), log },
  );
  expect(report).toMatchObject({ failed: 0 });

  await execFileP(venvBin(await venv, 'dbt'), ['run', '--target', 'local', '--select', 'stg_accounts', 'int_accounts_current'], {
    cwd: join(ctx.root, 'dbt'),
    env: dbtEnv(ctx.root, warehouse, dir),
  });

  const source = (
    await pg.query<Record<string, string>>(
      `SELECT id::text, customer_id::text, account_type, balance::text, currency, status, ${COLUMN} FROM accounts WHERE id = $1`,
      [id],
    )
  ).rows;
  const db = await DuckDBInstance.create(warehouse);
  const conn = await db.connect();
  try {
    const current = (
      await conn.runAndReadAll(
        `SELECT account_id::VARCHAR AS id, customer_id::VARCHAR AS customer_id, account_type, balance::VARCHAR AS balance,
                currency, status, ${COLUMN} FROM intermediate.int_accounts_current WHERE account_id = ${Number(id)}`,
      )
    ).getRowObjectsJS();
    expect(current).toEqual(source);
    // Every change in staging holds the value Postgres had then: the first four the inserted text.
    const texts = (
      await conn.runAndReadAll(`SELECT ${COLUMN} AS t FROM staging.stg_accounts WHERE account_id = ${Number(id)} ORDER BY _lsn`)
    ).getRowObjectsJS() as { t: string | null }[];
    expect(texts).toHaveLength(7);
    expect(texts.every((t) => t.t !== null && t.t.length === 9000)).toBe(true);
    expect(new Set(texts.slice(0, 5).map((t) => t.t)).size).toBe(1);
    expect(texts[6]!.t).toBe(source[0]![COLUMN]);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
});
