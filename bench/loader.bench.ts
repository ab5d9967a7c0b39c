/**
 * Loader throughput: rows/s loaded into DuckDB RAW from Parquet objects in MinIO, through the
 * same core the S3-event handler and the backfill use (list, GetObject to a temp file, schema
 * check, INSERT ... SELECT FROM read_parquet + ledger row in one transaction per object).
 *
 * Objects (written by the lake's own encoder) go under an unused date (2097-xx-xx) and are
 * deleted afterwards; the warehouse is a temp file, never the pipeline's.
 *
 *   npx tsx bench/loader.bench.ts [objects] [rowsPerObject]     -> bench/results/loader.json
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { machineInfo, type Machine } from './machine';
import { join } from 'node:path';
import { DeleteObjectsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { encodeParquet } from '../functions/lake';
import { loadConfig } from '../functions/shared/config';
import { TABLE_NAMES } from '../functions/shared/tables';
import { backfill } from '../functions/warehouse/backfill';
import { duckdbWarehouse } from '../functions/warehouse/duckdbWarehouse';
import { s3Client, s3ObjectStore } from '../functions/warehouse/objectStore';
import type { Log } from '../functions/warehouse/port';
import { lakeKey, sampleRows } from './lakeSamples';

export interface LoaderBenchOptions {
  objects?: number;
  rowsPerObject?: number;
  /** Objects per warehouse session (the backfill's batch). */
  batchSize?: number;
  out?: string;
}

export interface LoaderBenchResult {
  bench: 'loader';
  at: string;
  objects: number;
  rowsPerObject: number;
  rows: number;
  batchSize: number;
  load: { ms: number; rowsPerSec: number; objectsPerSec: number; msPerObject: number };
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

export async function runLoaderBench(opts: LoaderBenchOptions = {}): Promise<LoaderBenchResult> {
  const objects = opts.objects ?? 50;
  const rowsPerObject = opts.rowsPerObject ?? 2000;
  const batchSize = opts.batchSize ?? 50;
  const cfg = loadConfig();
  const client = s3Client(cfg);
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
    const deps = {
      warehouse: duckdbWarehouse({ path: join(dir, 'bench.duckdb'), log: quiet, lock: { timeoutMs: 60_000 } }),
      store: s3ObjectStore(client),
      log: quiet,
    };
    const prefixes = TABLE_NAMES.map((t) => `${t}/date=${date}/`);

    const t0 = performance.now();
    const first = await backfill({ bucket: cfg.MINIO_BUCKET, prefixes, batchSize }, deps);
    const loadMs = performance.now() - t0;
    if (first.loaded !== objects || first.rows !== objects * rowsPerObject || first.failed) {
      throw new Error(
        `bench load incomplete: ${JSON.stringify({ loaded: first.loaded, rows: first.rows, failed: first.failed })}`,
      );
    }
    const t1 = performance.now();
    const again = await backfill({ bucket: cfg.MINIO_BUCKET, prefixes, batchSize }, deps);
    const redriveMs = performance.now() - t1;

    const rows = objects * rowsPerObject;
    const round = (n: number) => Math.round(n * 10) / 10;
    return {
      bench: 'loader',
      at: new Date().toISOString(),
      objects,
      rowsPerObject,
      rows,
      batchSize,
      load: {
        ms: round(loadMs),
        rowsPerSec: Math.round(rows / (loadMs / 1000)),
        objectsPerSec: round(objects / (loadMs / 1000)),
        msPerObject: round(loadMs / objects),
      },
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
  runLoaderBench({ objects: objects || undefined, rowsPerObject: rowsPerObject || undefined }).then(
    (result) => {
      const out = join(__dirname, 'results', 'loader.json');
      mkdirSync(join(__dirname, 'results'), { recursive: true });
      writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
      console.log(
        `loader: ${result.load.rowsPerSec} rows/s (${result.objects} objects x ${result.rowsPerObject} rows in ${result.load.ms} ms); re-drive ${result.redrive.objectsPerSec} objects/s -> ${out}`,
      );
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
