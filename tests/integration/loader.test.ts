/**
 * The loader against the real local stack's MinIO, into a DuckDB file of its own (a temp
 * WAREHOUSE_PATH, so the pipeline's warehouse is never touched). Objects go under a date no
 * pipeline writes (2098-xx-xx, random per run) and are deleted afterwards.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, DeleteObjectsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { loadSettings } from '../../infra/local/stack/settings';
import type { ChangeRow } from '../../functions/shared/rows';
import type { TableName } from '../../functions/shared/tables';
import { createS3Client } from '../../functions/shared/s3';
import { buildS3Event } from '../../infra/local/offline-s3/event';
import { encodeParquet, expectedStrings, lakeKey, rawRowsOf, sampleRows, withDuckdb } from '../unit/loader/fixtures';

// A bucket of its own: these objects hold synthetic rows, which a pipeline running beside the
// tests (its S3 event source sweeps the pipeline's bucket) must never load as real changes.
process.env.MINIO_BUCKET = 'banking-data-loader-test';
const cfg = loadSettings();
const s3 = createS3Client(cfg);
const root = join(__dirname, '../..');
const date = `2098-${String(1 + Math.floor(Math.random() * 12)).padStart(2, '0')}-${String(1 + Math.floor(Math.random() * 28)).padStart(2, '0')}`;
const partition = 100 + Math.floor(Math.random() * 800);
const context = {
  functionName: 'loadObject',
  awsRequestId: 'test',
  invokedFunctionArn: 'arn:aws:lambda:local:0:function:loadObject',
} as Context;

let dir: string;
let warehousePath: string;
const putKeys: string[] = [];
const expected = new Map<string, { table: TableName; rows: ChangeRow[] }>();
let corruptKey: string;

/** S3 notifications as AWS sends them, URL-encoded keys included, built as offline-s3 builds them. */
function s3Event(keys: string[]) {
  return buildS3Event(
    { bucket: cfg.MINIO_BUCKET, region: 'us-east-1', configurationId: 'loader-test' },
    keys.map((key) => ({ key, size: 1, eTag: 'x', lastModified: new Date() })),
  );
}

async function put(key: string, body: Uint8Array) {
  await s3.send(new PutObjectCommand({ Bucket: cfg.MINIO_BUCKET, Key: key, Body: body }));
  putKeys.push(key);
}

async function counts(): Promise<Record<string, number>> {
  return withDuckdb(warehousePath, async (q) => {
    const [r] = await q(`SELECT
      (SELECT count(*) FROM raw.customers)::INT AS customers,
      (SELECT count(*) FROM raw.accounts)::INT AS accounts,
      (SELECT count(*) FROM raw.transactions)::INT AS transactions,
      (SELECT count(*) FROM raw._loads)::INT AS files`);
    return r as Record<string, number>;
  });
}

type Handler = (
  event: unknown,
  context: Context,
) => Promise<{
  loaded: number;
  rows: number;
  alreadyLoaded: number;
  ignored: number;
  failed: Array<{ key: string; reason: string }>;
}>;

function loadHandler(env: Record<string, string>): Handler {
  let handler: Handler | undefined;
  const saved = { ...process.env };
  // The file is released after each invocation: this test reads it in the same process.
  Object.assign(process.env, { WAREHOUSE_KEEP_OPEN_MS: '0' }, env);
  try {
    jest.isolateModules(() => {
      handler = (require('../../handlers/loadObject') as { handler: Handler }).handler;
    });
  } finally {
    process.env = saved;
  }
  return handler!;
}

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: cfg.MINIO_BUCKET })).catch((err: Error) => {
    if (!/BucketAlreadyOwnedByYou|BucketAlreadyExists/.test(err.name)) throw err;
  });
  dir = await mkdtemp(join(tmpdir(), 'loader-it-'));
  warehousePath = join(dir, 'banking.duckdb');
  let seed = 1;
  for (const table of ['customers', 'accounts', 'transactions'] as const) {
    for (const first of [0, 500]) {
      const rows = sampleRows(table, 300, { seed: seed++, partition, firstOffset: first });
      const key = lakeKey(table, date, partition, first, rows.length);
      await put(key, encodeParquet(table, rows));
      expected.set(key, { table, rows });
    }
  }
  const bytes = encodeParquet('accounts', sampleRows('accounts', 50, { partition }));
  corruptKey = lakeKey('accounts', date, partition, 9000, 50);
  await put(corruptKey, bytes.slice(0, bytes.length - 30));
});

afterAll(async () => {
  if (putKeys.length) {
    await s3.send(new DeleteObjectsCommand({ Bucket: cfg.MINIO_BUCKET, Delete: { Objects: putKeys.map((Key) => ({ Key })) } }));
  }
  s3.destroy();
  await rm(dir, { recursive: true, force: true });
});

describe('loader on MinIO + DuckDB', () => {
  it('loads every object of an S3 event exactly; a corrupt one is reported by key and blocks nothing', async () => {
    const handler = loadHandler({ WAREHOUSE_PATH: warehousePath });
    const keys = [...expected.keys()];
    const event = s3Event([keys[0]!, corruptKey, ...keys.slice(1), '_dlq/banking_server.public.accounts/0-1.json']);
    const result = await handler(event, context);
    expect(result).toMatchObject({ loaded: 6, rows: 1800, alreadyLoaded: 0, ignored: 1 });
    expect(result.failed).toEqual([{ key: corruptKey, reason: expect.stringMatching(/not a readable Parquet file/) }]);

    for (const [key, { table, rows }] of expected) {
      expect(await rawRowsOf(warehousePath, table, key)).toEqual(rows.map((r) => expectedStrings(table, r)));
    }
    expect(await counts()).toEqual({ customers: 600, accounts: 600, transactions: 600, files: 6 });
    const errors = await withDuckdb(warehousePath, (q) => q('SELECT object_key, reason FROM raw._load_errors'));
    expect(errors).toEqual([{ object_key: corruptKey, reason: expect.stringMatching(/not a readable Parquet file/) }]);
  });

  it('the same event delivered again loads nothing', async () => {
    const handler = loadHandler({ WAREHOUSE_PATH: warehousePath });
    const before = await counts();
    const result = await handler(s3Event([...expected.keys()]), context);
    expect(result).toMatchObject({ loaded: 0, rows: 0, alreadyLoaded: 6, failed: [] });
    expect(await counts()).toEqual(before);
  });

  it('re-driving the whole day with the backfill command leaves counts unchanged and reports the corrupt object', async () => {
    const before = await counts();
    const run = promisify(execFile);
    const args = [join(root, 'node_modules/tsx/dist/cli.mjs'), 'infra/local/cli/backfill.ts', '--from', date, '--to', date];
    const env = { ...process.env, WAREHOUSE_PATH: warehousePath, LOG_LEVEL: 'ERROR' };
    const out = await run(process.execPath, args, { cwd: root, env }).then(
      () => {
        throw new Error('backfill should exit non-zero while a corrupt object is in the day');
      },
      (err: { code: number; stdout: string }) => err,
    );
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('loaded 0 objects / 0 rows, skipped 6 already loaded, failed 1');
    expect(out.stdout).toContain(`FAILED ${corruptKey}: not a readable Parquet file`);
    expect(await counts()).toEqual(before);

    // Once the object is fixed, a re-drive loads it (it never entered the ledger) and only it.
    const fixed = sampleRows('accounts', 50, { seed: 77, partition, firstOffset: 9000 });
    await put(corruptKey, encodeParquet('accounts', fixed));
    const ok = await run(process.execPath, [...args, '--table', 'accounts'], { cwd: root, env });
    expect(ok.stdout).toContain('loaded 1 objects / 50 rows, skipped 2 already loaded, failed 0');
    expect(await counts()).toEqual({ ...before, accounts: before.accounts! + 50, files: before.files! + 1 });
    expect(await rawRowsOf(warehousePath, 'accounts', corruptKey)).toEqual(fixed.map((r) => expectedStrings('accounts', r)));
  }, 120_000); // two CLI processes (tsx start-up): behaviour, not speed; 4.3 s of jest's 5 s default under load

  it('throws (so the event is retried) when the warehouse refuses', async () => {
    // A directory where the DuckDB file should be: DuckDB cannot open it.
    const handler = loadHandler({ WAREHOUSE_PATH: dir });
    await expect(handler(s3Event([[...expected.keys()][0]!]), context)).rejects.toThrow(/warehouse/i);
  });
});
