/**
 * The AWS loader's path, simulated: SQS-shaped batches (as the queue's event source mapping, and
 * infra/local/offline-s3, deliver them) through the handler's own functions (handlers/sqsS3.ts) and the
 * Snowflake adapter, against fakesnow behind a latency stand-in (tests/support/fakesnow.ts).
 *
 * Latencies: 100 ms per statement (a Lambda -> Snowflake round trip in one region with compile
 * and commit is ~50-200 ms; 100 ms is the middle) and 10 ms more per file a COPY names (Snowflake
 * reads each small Parquet file from the stage in parallel on an XS warehouse; per-file cost well
 * under the statement's). COPY reads an external stage (a file:// URL here, the bucket in AWS), as
 * docs/deploy.md recommends, so there are no PUTs.
 *
 * The writer's object rate is measured, not estimated: the pipeline bench counts the objects the
 * real writer (sls offline, serverless.yml's batching) stores in its own bucket during each step
 * (LastModified inside the step's window; bench/pipeline/step.ts `writerObjects`). This bench takes
 * the highest sustained step that carries that count from bench/results/pipeline*.json
 * (writerRate.ts), and fails if there is none.
 *  - paced: objects arrive at that rate for `pacedSeconds`; the consumer takes what arrived in a
 *    5 s window (the mapping's maximumBatchingWindow), so a batch is ~70 objects; the backlog
 *    must stay bounded;
 *  - capacity: a backlog of 1,000 objects in one batch (the mapping's batchSize): objects/s, over
 *    the loader's own time plus the injected latency. The time fakesnow itself spends (DuckDB
 *    reading each file, a DESCRIBE and a load-history query per file, in one Python process on a
 *    shared 2-core machine) is measured and taken out: it stands for Snowflake's work, which the
 *    injected latency models. The wall-clock figure with it is recorded beside (wallObjectsPerS).
 *  - sweep: 600,000 keys in the ledger, 1,000 more in the lake missing from it, listed in pages of
 *    1,000 (20 ms a page, an S3 ListObjectsV2 call): the time to find and load the 1,000, on a cold
 *    container (no watermark: every key compared with the ledger); then, as the next scheduled run
 *    would, 1,000 more arrive missing and the sweep runs again with the first run's watermarks.
 *
 *   npx tsx bench/cloudLoader.bench.ts   -> bench/results/cloudLoader.json
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { encodeParquet } from '../functions/writer';
import { objectKey } from '../functions/shared/objectKeys';
import { TABLE_NAMES, type DeclaredTable } from '../functions/shared/tables';
import { loadObjects } from '../functions/loader/loader';
import { sweep, type SweepCursor } from '../functions/loader/sweep';
import type { ListedObject, ObjectStore } from '../functions/loader/s3ObjectStore';
import { snowflakeWarehouse } from '../functions/loader/snowflakeWarehouse';
import { batchItemFailures, requestsFromSqs } from '../handlers/sqsS3';
import { buildS3Event } from '../infra/local/offline-s3/event';
import { buildSqsEvent } from '../infra/local/offline-s3/sqsEvent';
import { makeContext } from '../infra/local/stack/context';
import { ensureVenv } from '../infra/local/stack/python';
import { fakesnowConnection, withLatency, type Latency } from '../tests/support/fakesnow';
import { sampleRows } from './lakeSamples';
import { runAsScript, writeResult } from './results';
import { measuredWriterRate } from './writerRate';
import type { CloudLoaderBenchResult } from './cloudLoader/result';
import { pagedLake } from './cloudLoader/pagedLake';

export type { CloudLoaderBenchResult };

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const BUCKET = 'banking-data';

export async function runCloudLoaderBench(
  opts: { pacedSeconds?: number; out?: string; results?: string } = {},
): Promise<CloudLoaderBenchResult> {
  const writer = measuredWriterRate(opts.results ?? join(__dirname, 'results'));
  const WRITER_OBJECTS_PER_S = writer.objectsPerS;
  // Rows an object carries at that step: the step's changes over its objects.
  const ROWS_PER_OBJECT = Math.max(1, Math.round(writer.achievedChangesPerSec / writer.objectsPerS));
  const latency: Latency = { statementMs: 100, copyFileMs: 10 };
  const venv = await ensureVenv(makeContext({ quiet: true }), 'fakesnow');
  const dir = mkdtempSync(join(tmpdir(), 'cloud-loader-'));
  const lake = join(dir, 'lake');
  const db = join(dir, 'db');
  mkdirSync(db);
  const files = new Map<string, Uint8Array>();
  let seq = 0;
  const makeObject = (table: DeclaredTable, day: string, rows: number): string => {
    const first = ++seq * 1000;
    const key = objectKey({ table, date: day, partition: seq % 7, firstOffset: first, lastOffset: first + rows - 1 });
    const bytes = encodeParquet(table, sampleRows(table, rows, { seed: seq, partition: seq % 7, firstOffset: first }));
    files.set(key, bytes);
    mkdirSync(join(lake, dirname(key)), { recursive: true });
    writeFileSync(join(lake, key), bytes);
    return key;
  };
  const store: ObjectStore & { listed?: ListedObject[][] } = {
    async download(_bucket, key, toFile) {
      writeFileSync(toFile, files.get(key)!);
      return { etag: 'e' };
    },
    async *list() {},
  };
  const raw = await fakesnowConnection(venv, db, 'BANKING_DB', 'RAW');
  let statements = 0;
  // Time spent inside the emulator itself (fakesnow on DuckDB, one Python process): not part of the
  // model, whose Snowflake costs are the injected latencies. Summed for sequential statements only.
  let emulatorMs = 0;
  const counted = {
    ...raw,
    execute: async (sql: string, b?: readonly (string | number | null)[]) => {
      statements++;
      const t = performance.now();
      try {
        return await raw.execute(sql, b);
      } finally {
        emulatorMs += performance.now() - t;
      }
    },
  };
  // The adapter releases its connection after each sweep; the bench's one proxy outlives them all
  // (it is closed at the end).
  const conn = withLatency({ ...counted, close: async () => undefined }, latency);
  const target = { database: 'BANKING_DB', schema: 'RAW', stage: 'BANKING_DB.RAW.LAKE' };
  try {
    const warehouse = snowflakeWarehouse({ target, connect: async () => conn, log: quiet });
    await (await warehouse.open()).close(); // RAW's DDL
    await raw.execute(`CREATE STAGE BANKING_DB.RAW.LAKE URL = 'file://${lake}/'`);
    const deps = { warehouse, store, log: quiet };
    const day = new Date().toISOString().slice(0, 10);
    const invoke = async (keys: string[]) => {
      const s3 = buildS3Event(
        { bucket: BUCKET, region: 'us-east-1', configurationId: 'bench' },
        keys.map((key) => ({ key, size: 1, eTag: 'e', lastModified: new Date() })),
      );
      const { event } = buildSqsEvent(s3, keys, {
        queueArn: 'arn:aws:sqs:us-east-1:0:bench',
        region: 'us-east-1',
        receiveCount: 1,
      });
      const queued = requestsFromSqs(event as never);
      const report = await loadObjects(queued.requests, { ...deps, deadline: Date.now() + 300_000 });
      const failures = batchItemFailures(queued, report);
      if (report.loaded !== keys.length || failures.length > 0)
        throw new Error(`batch not loaded: ${JSON.stringify({ ...report, outcomes: undefined })}`);
      return report;
    };

    const say = (m: string) => console.log(`[cloud-loader] ${m}`);
    say('RAW ready; paced phase');
    // Paced: arrivals at the writer's rate, a consumer taking a 5 s window's worth at a time.
    const pacedSeconds = opts.pacedSeconds ?? 30;
    const arrived: string[] = [];
    const tables = TABLE_NAMES;
    const start = Date.now();
    let made = 0;
    let producing = true;
    const producer = (async () => {
      while (Date.now() - start < pacedSeconds * 1000) {
        const due = Math.floor(((Date.now() - start) / 1000) * WRITER_OBJECTS_PER_S);
        while (made < due) arrived.push(makeObject(tables[made++ % tables.length]!, day, ROWS_PER_OBJECT));
        await new Promise((r) => setTimeout(r, 50));
      }
      producing = false;
    })();
    const invocationMs: number[] = [];
    let maxBacklog = 0;
    let pacedObjects = 0;
    while (producing || arrived.length > 0) {
      await new Promise((r) => setTimeout(r, 5000));
      maxBacklog = Math.max(maxBacklog, arrived.length);
      const batch = arrived.splice(0, 1000);
      if (batch.length === 0) continue;
      const t0 = Date.now();
      await invoke(batch);
      invocationMs.push(Date.now() - t0);
      say(`invocation: ${batch.length} objects in ${Date.now() - t0} ms`);
      pacedObjects += batch.length;
    }
    await producer;

    say(`paced: ${pacedObjects} objects in ${invocationMs.length} invocations, max backlog ${maxBacklog}; capacity phase`);
    // Capacity: a full batch.
    const backlog = Array.from({ length: 1000 }, (_, i) => makeObject(tables[i % tables.length]!, day, ROWS_PER_OBJECT));
    statements = 0;
    emulatorMs = 0;
    const capBusy0 = raw.busyMs();
    const c0 = performance.now();
    const cap = await invoke(backlog);
    const capWallMs = performance.now() - c0;
    void emulatorMs;
    const capEmulatorMs = raw.busyMs() - capBusy0;
    // The loader's own time plus the injected latency; the emulator's own work replaced by it.
    const capMs = capWallMs - capEmulatorMs;
    const capStatements = statements;

    say(
      `capacity: 1000 objects in ${Math.round(capWallMs)} ms wall, ${Math.round(capEmulatorMs)} ms inside fakesnow, ${capStatements} statements; sweep phase`,
    );
    // Sweep: 600,000 ledgered keys over 3 days x 3 tables, 1,000 more missing.
    const days = [0, 1, 2].map((d) => new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10));
    const prefixes = TABLE_NAMES.flatMap((t) => days.map((d) => `${t}/date=${d}/`));
    const perPrefix = Math.ceil(600_000 / prefixes.length);
    await raw.duckdb(
      `INSERT INTO BANKING_DB.RAW._loads SELECT p || split_part(p, '/', 1) || '+9+' || i || '-' || i || '.parquet', split_part(p, '/', 1), 'e', 1, now() FROM (SELECT unnest([${prefixes.map((p) => `'${p}'`).join(',')}]) AS p), range(${perPrefix}) t(i)`,
    );
    // The ledgered objects were stored an hour ago; the missing ones, as they are made.
    const sweptLake = pagedLake(store, prefixes, perPrefix, Date.now() - 3_600_000);
    const addMissing = (n: number) => {
      for (let i = 0; i < n; i++) {
        const p = prefixes[i % prefixes.length]!;
        const key = makeObject(p.split('/')[0] as DeclaredTable, p.slice(p.indexOf('date=') + 5, p.indexOf('date=') + 15), 10);
        sweptLake.add(p, key, Date.now());
      }
    };
    const timedSweep = async (cursor: SweepCursor) => {
      sweptLake.pages = 0;
      const busy0 = raw.busyMs();
      const s0 = performance.now();
      const report = await sweep(
        { bucket: BUCKET, days: 3, cursor },
        { ...deps, store: sweptLake.store, deadline: Date.now() + 300_000 },
      );
      const wallMs = performance.now() - s0;
      const emulatorMs = raw.busyMs() - busy0;
      say(
        `sweep: ${Math.round(wallMs)} ms wall, ${Math.round(emulatorMs)} ms inside fakesnow, ${report.compared} compared, ${report.loaded} loaded`,
      );
      if (report.loaded !== 1000 || !report.complete)
        throw new Error(`the sweep missed objects: ${JSON.stringify({ ...report, outcomes: undefined })}`);
      // As for capacity: the emulator's own (serial) work out, the injected latency in.
      return {
        wallSeconds: Math.round(wallMs / 100) / 10,
        modelSeconds: Math.round((wallMs - emulatorMs) / 100) / 10,
        emulatorSeconds: Math.round(emulatorMs / 100) / 10,
        found: report.loaded,
        listed: report.listed,
        compared: report.compared,
        pages: sweptLake.pages,
      };
    };
    addMissing(1000);
    say('ledger filled; sweeping (cold: no watermark)');
    const cursor: SweepCursor = {};
    const cold = await timedSweep(cursor);
    // The next scheduled run: 1,000 more missing, the first run's watermarks in the cursor.
    addMissing(1000);
    say('1,000 more missing; sweeping again (with the watermarks)');
    const next = await timedSweep(cursor);

    const objectsPerS = 1000 / (capMs / 1000);
    const sorted = [...invocationMs].sort((a, b) => a - b);
    return writeResult(opts.out ?? join(__dirname, 'results', 'cloudLoader.json'), {
      bench: 'cloudLoader',
      at: new Date().toISOString(),
      method:
        'objectsPerS = 1,000 / (wall time - time inside fakesnow), i.e. the loader plus the injected latency (the verdict: ratio); wall clock beside (capacity.wallObjectsPerS, wallRatio); ' +
        'handlers/sqsS3.ts + functions/loader (Snowflake adapter, external stage) on SQS batches built as offline-s3 builds them, against fakesnow 0.12.1 (tests/support/fakesnow_proxy.py) behind a stand-in waiting statementLatencyMs per statement and copyFileLatencyMs per file a COPY names; capacity = one batch of 1,000 objects; ' +
        `writerObjectsPerS = objects the real writer stored during the pipeline bench's highest sustained step that counted them (${writer.source}: ${writer.objects} objects in ${writer.windowSeconds} s at ${writer.achievedChangesPerSec} changes/s); ` +
        'sweep = 600,000 ledgered + 1,000 missing over 3 days x 3 tables, pages of 1,000 at 20 ms each, found and loaded; sweepSeconds = wall clock on a cold container (no watermark), sweep.next = the next run with its watermarks and 1,000 new missing',
      objectsPerS: Math.round(objectsPerS * 10) / 10,
      rowsPerS: Math.round(cap.rows / (capMs / 1000)),
      writerObjectsPerS: WRITER_OBJECTS_PER_S,
      writer,
      ratio: Math.round((objectsPerS / WRITER_OBJECTS_PER_S) * 10) / 10,
      wallRatio: Math.round((1000 / (capWallMs / 1000) / WRITER_OBJECTS_PER_S) * 10) / 10,
      statementLatencyMs: latency.statementMs,
      copyFileLatencyMs: latency.copyFileMs,
      rowsPerObject: ROWS_PER_OBJECT,
      paced: {
        seconds: pacedSeconds,
        objects: pacedObjects,
        invocations: invocationMs.length,
        maxBacklog,
        p50InvocationMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
        maxInvocationMs: sorted[sorted.length - 1] ?? 0,
      },
      capacity: {
        objects: 1000,
        ms: Math.round(capMs),
        wallMs: Math.round(capWallMs),
        emulatorMs: Math.round(capEmulatorMs),
        wallObjectsPerS: Math.round((1000 / (capWallMs / 1000)) * 10) / 10,
        statements: capStatements,
      },
      sweepSeconds: cold.wallSeconds,
      sweep: { ledgered: perPrefix * prefixes.length, missing: 1000, ...cold, next },
    });
  } finally {
    await raw.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runAsScript(runCloudLoaderBench(), (r) =>
    console.log(
      `[bench] cloud loader: ${r.objectsPerS} objects/s (${r.rowsPerS} rows/s), ${r.ratio}x the writer's ${r.writerObjectsPerS}/s; sweep ${r.sweepSeconds} s`,
    ),
  );
}
