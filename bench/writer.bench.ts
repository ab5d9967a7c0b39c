/**
 * Batch-writer throughput: decode Debezium records + encode Parquet + PUT to MinIO, in rows/s,
 * for our hyparquet-writer path and, on the very same records in the same run, for parquetjs-lite
 * (which has no DECIMAL, so money goes in as DOUBLE there: the comparison flatters it).
 *
 * Records are shaped from recorded envelopes (bench/fixtures/debezium-envelopes.json): each
 * recorded envelope is cloned with new ids, amounts, timestamps and offsets, then serialised and
 * base64-encoded as Lambda delivers it, before timing starts.
 *
 *   npx tsx bench/writer.bench.ts [rows] [batchSize]     -> bench/results/writer.json
 */
import { readFileSync } from 'node:fs';
import { machineInfo, type Machine } from './machine';
import { runAsScript, writeResult } from './results';
import { freshChange, MIX, prng } from './fixtures/syntheticChanges';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { decodeRecord, type KafkaRecordIn } from '../functions/writer';
import {
  createS3Client,
  encodeParquet,
  groupChanges,
  putObject,
  storeBatch,
  type ObjectSink,
  type TableRow,
} from '../functions/writer';
import { loadSettings } from '../infra/local/stack/settings';
import type { ChangeRow } from '../functions/shared/rows';
import { changeColumns, type ColumnDef, type DeclaredTable } from '../functions/shared/tables';

const parquetjs = require('parquetjs-lite') as {
  ParquetSchema: new (fields: Record<string, { type: string; optional?: boolean }>) => unknown;
  ParquetWriter: {
    openStream(
      schema: unknown,
      out: Writable,
    ): Promise<{ appendRow(row: Record<string, unknown>): Promise<void>; close(): Promise<void> }>;
  };
};

/** Real recorded envelopes per table (bench/fixtures/, copied from the recorded test fixtures). */
interface BenchFixture {
  envelopes: Record<DeclaredTable, Record<string, unknown>[]>;
}

export interface WriterBenchOptions {
  rows?: number;
  batchSize?: number;
  /** PUT to MinIO (true) or to a sink that drops the bytes (false: encode-only figures). */
  put?: boolean;
  bucket?: string;
  out?: string;
}

export interface PathResult {
  rows: number;
  ms: number;
  rowsPerSec: number;
  objects: number;
  bytes: number;
}

export interface WriterBenchResult {
  kind: 'writer';
  measuredAt: string;
  machine: Machine;
  params: { rows: number; batchSize: number; put: boolean; bucket: string | null; mix: Record<DeclaredTable, number> };
  hyparquetWriter: PathResult & { decodeMs: number; encodeMs: number };
  parquetjsLite: PathResult & { note: string };
  ratio: number;
}

/** Recorded-shaped Lambda Kafka records: recorded envelopes cloned with fresh values. */
export function recordedShapedRecords(count: number): KafkaRecordIn[] {
  const file = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'debezium-envelopes.json'), 'utf8')) as BenchFixture;
  const templates = file.envelopes;
  const rand = prng(42);
  const offsets: Record<DeclaredTable, number> = { customers: 0, accounts: 0, transactions: 0 };
  const out: KafkaRecordIn[] = [];
  for (let i = 0; i < count; i++) {
    const { table, tsMs, envelope: env } = freshChange((t) => templates[t], i, rand);
    out.push({
      topic: `banking_server.public.${table}`,
      partition: 0,
      offset: offsets[table]++,
      timestamp: tsMs + 7,
      key: Buffer.from(JSON.stringify({ id: i + 1 })).toString('base64'),
      value: Buffer.from(JSON.stringify(env)).toString('base64'),
    });
  }
  return out;
}

function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function parquetjsField(col: ColumnDef): { type: string; optional?: boolean } {
  const types: Partial<Record<ColumnDef['type'], string>> = {
    int32: 'INT32',
    int64: 'INT64',
    text: 'UTF8',
    char: 'UTF8',
    decimal: 'DOUBLE',
    timestamptz: 'TIMESTAMP_MICROS',
  };
  const type = types[col.type];
  if (type === undefined) throw new Error(`the parquetjs comparison has no ${col.type} column`);
  return col.nullable ? { type, optional: true } : { type };
}

async function encodeWithParquetjs(table: DeclaredTable, rows: ChangeRow[]): Promise<Uint8Array> {
  const cols = changeColumns(table);
  const schema = new parquetjs.ParquetSchema(Object.fromEntries(cols.map((c) => [c.name, parquetjsField(c)])));
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  const writer = await parquetjs.ParquetWriter.openStream(schema, sink);
  for (const row of rows) {
    const r: Record<string, unknown> = {};
    for (const c of cols) {
      const v = row[c.name];
      if (v === null || v === undefined) continue;
      // parquetjs-lite has no DECIMAL and parses INT64 with parseInt: money becomes a double here.
      r[c.name] = c.type === 'decimal' ? Number(v) : c.type === 'int64' ? Number(v) : v;
    }
    await writer.appendRow(r);
  }
  await writer.close();
  return new Uint8Array(Buffer.concat(chunks));
}

export async function runWriterBench(opts: WriterBenchOptions = {}): Promise<WriterBenchResult> {
  const rows = opts.rows ?? 150_000;
  const batchSize = opts.batchSize ?? 2_000;
  const put = opts.put ?? true;
  const cfg = loadSettings();
  const bucket = opts.bucket ?? 'banking-data-bench';
  let sink: ObjectSink = { put: async () => undefined };
  if (put) {
    const s3 = createS3Client(cfg);
    try {
      await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    }
    sink = { put: (req) => putObject(s3, bucket, req) };
  }

  const records = recordedShapedRecords(rows);
  const parts = batches(records, batchSize);

  // Warm-up (JIT, connections) on a separate slice, not counted.
  const warm = recordedShapedRecords(batchSize);
  await storeBatch(warm, { sink: { put: async () => undefined }, dlqPrefix: '_dlq' });

  // Our path, end to end, as the handler runs it.
  let bytes = 0;
  let objects = 0;
  const bytesSink: ObjectSink = {
    put: async (req) => {
      bytes += typeof req.body === 'string' ? req.body.length : req.body.byteLength;
      objects++;
      await sink.put({ ...req, key: `hyparquet/${req.key}` });
    },
  };
  let t0 = performance.now();
  for (const b of parts) await storeBatch(b, { sink: bytesSink, dlqPrefix: '_dlq' });
  const hyMs = performance.now() - t0;

  // Breakdown of the same work without I/O.
  t0 = performance.now();
  const decoded: TableRow[][] = parts.map((b) => b.map(decodeRecord).flatMap((d) => (d.kind === 'row' ? [d] : [])));
  const decodeMs = performance.now() - t0;
  t0 = performance.now();
  for (const d of decoded) for (const o of groupChanges(d)) encodeParquet(o.table, o.rows);
  const encodeMs = performance.now() - t0;

  // parquetjs-lite on the same records: same decoder, same grouping, same PUTs.
  let pjBytes = 0;
  let pjObjects = 0;
  t0 = performance.now();
  for (const b of parts) {
    const d = b.map(decodeRecord).flatMap((x) => (x.kind === 'row' ? [x] : []));
    const groups = groupChanges(d);
    const bodies = await Promise.all(
      groups.map(async (g) => ({ key: g.key, body: await encodeWithParquetjs(g.table as DeclaredTable, g.rows) })),
    );
    await Promise.all(
      bodies.map((o) => {
        pjBytes += o.body.byteLength;
        pjObjects++;
        return sink.put({ key: `parquetjs-lite/${o.key}`, body: o.body, contentType: 'application/vnd.apache.parquet' });
      }),
    );
  }
  const pjMs = performance.now() - t0;

  const hyRate = Math.round((rows / hyMs) * 1000);
  const pjRate = Math.round((rows / pjMs) * 1000);
  const result: WriterBenchResult = {
    kind: 'writer',
    measuredAt: new Date().toISOString(),
    machine: machineInfo(),
    params: { rows, batchSize, put, bucket: put ? bucket : null, mix: MIX },
    hyparquetWriter: {
      rows,
      ms: Math.round(hyMs),
      rowsPerSec: hyRate,
      objects,
      bytes,
      decodeMs: Math.round(decodeMs),
      encodeMs: Math.round(encodeMs),
    },
    parquetjsLite: {
      rows,
      ms: Math.round(pjMs),
      rowsPerSec: pjRate,
      objects: pjObjects,
      bytes: pjBytes,
      note: 'no DECIMAL type: money written as DOUBLE (inexact); INT64 via parseInt',
    },
    ratio: Math.round((hyRate / pjRate) * 100) / 100,
  };
  const out = opts.out ?? join(__dirname, 'results', 'writer.json');
  return writeResult(out, result);
}

if (require.main === module) {
  const [rows, batchSize] = process.argv.slice(2).map(Number);
  runAsScript(runWriterBench({ rows: rows || undefined, batchSize: batchSize || undefined }), (r) =>
    console.log(
      `writer: hyparquet-writer ${r.hyparquetWriter.rowsPerSec} rows/s, parquetjs-lite ${r.parquetjsLite.rowsPerSec} rows/s, ratio ${r.ratio}x ` +
        `(${r.params.rows} rows, batches of ${r.params.batchSize}, PUT ${r.params.put ? 'to MinIO' : 'skipped'})`,
    ),
  );
}
