/**
 * Loader throughput: rows/s loaded into DuckDB RAW from Parquet objects in MinIO, through the
 * same core the S3-event handler and the backfill use, in two ways on the same objects in the
 * same run, each into a fresh warehouse file:
 *
 * - perObject: the loader as it was: one transaction per object, the DuckDB file opened and
 *   closed for every invocation of `invocationSize` objects (offline-s3's old batch of 10);
 * - batched: many objects per transaction, the file kept open across invocations of
 *   `batchedInvocationSize` objects.
 *
 * `ratio` is batched rows/s over perObject rows/s. `session` is what opening and closing the file
 * costs (measured on its own), which a kept-open session saves per invocation. A re-drive of the
 * same objects (backfill) then stops at the ledger for every one.
 *
 * Objects (written by the lake's own encoder) go under an unused date (2097-xx-xx) and are
 * deleted afterwards; the warehouses are temp files, never the pipeline's.
 *
 *   npx tsx bench/loader.bench.ts [objects] [rowsPerObject]     -> bench/results/loader.json
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { machineInfo, type Machine } from './machine';
import { runAsScript, writeResult } from './results';
import { join } from 'node:path';
import { DeleteObjectsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { encodeParquet } from '../functions/writer';
import { loadSettings } from '../infra/local/stack/settings';
import { TABLE_NAMES } from '../functions/shared/tables';
import { backfill } from '../functions/loader/backfill';
import { DEFAULT_OBJECTS_PER_TRANSACTION, loadObjects, type LoaderDeps } from '../functions/loader/loader';
import { duckdbWarehouse } from '../functions/loader/duckdbWarehouse';
import { s3ObjectStore } from '../functions/loader/s3ObjectStore';
import { createS3Client } from '../functions/shared/s3';
import type { Log } from '../functions/loader/port';
import { lakeKey, sampleRows } from './lakeSamples';

export interface LoaderBenchOptions {
  objects?: number;
  rowsPerObject?: number;
  /** Objects per invocation in the per-object run (offline-s3's old default). */
  invocationSize?: number;
  /** Objects per invocation in the batched run. */
  batchedInvocationSize?: number;
  out?: string;
}

export interface LoadFigures {
  ms: number;
  rowsPerSec: number;
  objectsPerSec: number;
  msPerObject: number;
  invocations: number;
  sessionsOpened: number;
}

export interface LoaderBenchResult {
  bench: 'loader';
  at: string;
  objects: number;
  rowsPerObject: number;
  rows: number;
  /** The batched run (what the loader does now). */
  load: LoadFigures & { objectsPerTransaction: number; invocationSize: number };
  perObject: LoadFigures & { invocationSize: number };
  /** batched rows/s / perObject rows/s. */
  ratio: number;
  /** Opening the file (with the RAW DDL) and closing it, mean of `session.samples`. */
  session: { msPerOpenClose: number; samples: number };
  /** Re-driving the same objects: every one stops at the ledger. */
  redrive: { ms: number; objectsPerSec: number; rowsLoaded: number };
  bytes: number;
  machine: Machine & { duckdb: string };
}

const quiet: Log = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (m, ...a) => console.error(m, ...a),
};

function machine(): LoaderBenchResult['machine'] {
  return {
    ...machineInfo(),

    duckdb: (require('@duckdb/node-api/package.json') as { version: string }).version,
  };
}

const round = (n: number) => Math.round(n * 10) / 10;

function figures(ms: number, objects: number, rows: number, invocations: number, sessionsOpened: number): LoadFigures {
  return {
    ms: round(ms),
    rowsPerSec: Math.round(rows / (ms / 1000)),
    objectsPerSec: round(objects / (ms / 1000)),
    msPerObject: round(ms / objects),
    invocations,
    sessionsOpened,
  };
}

/** Load `keys` as invocations of `size` objects each; returns the time taken. */
async function loadAsInvocations(keys: string[], size: number, deps: LoaderDeps, expectRows: number): Promise<number> {
  const t0 = performance.now();
  let rows = 0;
  for (let i = 0; i < keys.length; i += size) {
    const report = await loadObjects(
      keys.slice(i, i + size).map((key) => ({ bucket: loadSettings().MINIO_BUCKET, key })),
      deps,
    );
    if (report.failed)
      throw new Error(`bench load failed: ${JSON.stringify(report.outcomes.filter((o) => o.status === 'failed'))}`);
    rows += report.rows;
  }
  await deps.warehouse.release();
  const ms = performance.now() - t0;
  if (rows !== expectRows) throw new Error(`bench load incomplete: ${rows} of ${expectRows} rows`);
  return ms;
}

export async function runLoaderBench(opts: LoaderBenchOptions = {}): Promise<LoaderBenchResult> {
  const objects = opts.objects ?? 200;
  const rowsPerObject = opts.rowsPerObject ?? 500;
  const invocationSize = opts.invocationSize ?? 10;
  const batchedInvocationSize = opts.batchedInvocationSize ?? 100;
  const cfg = loadSettings();
  const client = createS3Client(cfg);
  const date = `2097-${String(1 + Math.floor(Math.random() * 12)).padStart(2, '0')}-${String(1 + Math.floor(Math.random() * 28)).padStart(2, '0')}`;
  const partition = 100 + Math.floor(Math.random() * 800);
  const dir = await mkdtemp(join(os.tmpdir(), 'loader-bench-'));
  const keys: string[] = [];
  let bytes = 0;
  try {
    for (let i = 0; i < objects; i++) {
      const table = TABLE_NAMES[i % TABLE_NAMES.length]!;
      const first = i * rowsPerObject;
      const body = encodeParquet(table, sampleRows(table, rowsPerObject, { seed: i + 1, partition, firstOffset: first }));
      const key = lakeKey(table, date, partition, first, rowsPerObject);
      await client.send(new PutObjectCommand({ Bucket: cfg.MINIO_BUCKET, Key: key, Body: body }));
      keys.push(key);
      bytes += body.length;
    }
    const store = s3ObjectStore(client);
    const rows = objects * rowsPerObject;
    const lock = { timeoutMs: 60_000 };

    // Session cost on its own: open (DDL included) and close an existing file.
    const sessionPath = join(dir, 'session.duckdb');
    const probe = duckdbWarehouse({ path: sessionPath, log: quiet, lock });
    await (await probe.open()).close();
    const samples = 10;
    const s0 = performance.now();
    for (let i = 0; i < samples; i++) await (await probe.open()).close();
    const msPerOpenClose = (performance.now() - s0) / samples;

    // Per object first, then batched, each into a fresh file, reading the same objects.
    const legacy = duckdbWarehouse({ path: join(dir, 'per-object.duckdb'), log: quiet, lock, keepOpenMs: 0 });
    const legacyDeps: LoaderDeps = { warehouse: legacy, store, log: quiet, objectsPerTransaction: 1 };
    const perObjectMs = await loadAsInvocations(keys, invocationSize, legacyDeps, rows);

    const batchedPath = join(dir, 'batched.duckdb');
    const batched = duckdbWarehouse({ path: batchedPath, log: quiet, lock, keepOpenMs: 60_000, maxHoldMs: 600_000 });
    const batchedDeps: LoaderDeps = { warehouse: batched, store, log: quiet };
    const batchedMs = await loadAsInvocations(keys, batchedInvocationSize, batchedDeps, rows);
    const batchedSessions = batched.sessionsOpened();

    const prefixes = TABLE_NAMES.map((t) => `${t}/date=${date}/`);
    const t1 = performance.now();
    const again = await backfill({ bucket: cfg.MINIO_BUCKET, prefixes, batchSize: batchedInvocationSize }, batchedDeps);
    const redriveMs = performance.now() - t1;

    const load = figures(batchedMs, objects, rows, Math.ceil(objects / batchedInvocationSize), batchedSessions);
    const perObject = figures(perObjectMs, objects, rows, Math.ceil(objects / invocationSize), legacy.sessionsOpened());
    return {
      bench: 'loader',
      at: new Date().toISOString(),
      objects,
      rowsPerObject,
      rows,
      load: { ...load, objectsPerTransaction: DEFAULT_OBJECTS_PER_TRANSACTION, invocationSize: batchedInvocationSize },
      perObject: { ...perObject, invocationSize },
      ratio: round(load.rowsPerSec / perObject.rowsPerSec),
      session: { msPerOpenClose: round(msPerOpenClose), samples },
      redrive: { ms: round(redriveMs), objectsPerSec: round(objects / (redriveMs / 1000)), rowsLoaded: again.rows },
      bytes,
      machine: machine(),
    };
  } finally {
    for (let i = 0; i < keys.length; i += 1000) {
      await client.send(
        new DeleteObjectsCommand({
          Bucket: cfg.MINIO_BUCKET,
          Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })) },
        }),
      );
    }
    client.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const [objects, rowsPerObject] = process.argv.slice(2).map(Number);
  runAsScript(runLoaderBench({ objects: objects || undefined, rowsPerObject: rowsPerObject || undefined }), (result) => {
    const out = join(__dirname, 'results', 'loader.json');
    writeResult(out, result);
    console.log(
      `loader: batched ${result.load.rowsPerSec} rows/s, ${result.load.msPerObject} ms/object; per object ` +
        `${result.perObject.rowsPerSec} rows/s, ${result.perObject.msPerObject} ms/object: ${result.ratio}x ` +
        `(${result.objects} objects x ${result.rowsPerObject} rows; open+close ${result.session.msPerOpenClose} ms); ` +
        `re-drive ${result.redrive.objectsPerSec} objects/s -> ${out}`,
    );
  });
}
