/**
 * Fault tests on the real local stack: while seeded activity flows Postgres -> Debezium -> Kafka ->
 * writeBatch -> MinIO -> loadObject -> DuckDB, kill -9 a part at a seeded random moment, bring it
 * back, and show that the warehouse's current state still equals the source's exactly.
 *
 * The scenarios share one pipeline run (one consumer group, one warehouse file, one sls offline
 * log): each continues from the previous one's committed offsets and ends with a full, exact
 * reconciliation of everything generated so far. A fresh group per scenario would replay every
 * topic from the beginning five times; starting a fresh group at LATEST would leave the warehouse
 * without the history and could only check keys touched in the run. Chaining keeps the check
 * total and the replay single. The cost: a scenario that breaks the warehouse fails those after it.
 *
 * Kill moments: FAULT_SEED (logged) drives every random delay, so a failure can be replayed.
 * In sls offline the writer and the loader are worker threads of one process: "kill -9 the writer"
 * is SIGKILL of that process group while a writeBatch invocation is in flight, likewise the loader.
 */
import { seededRandom } from '../../bench/fixtures/seededRandom';
import { GetObjectCommand, NoSuchKey } from '@aws-sdk/client-s3';
import { Kafka, logLevel } from 'kafkajs';
import { existsSync } from 'node:fs';
import { kafkaBrokers, loadSettings } from '../../infra/local/stack/settings';
import { createS3Client } from '../../functions/shared/s3';
import { newRunId, runE2e, type DuringRunContext, type E2eReport } from '../../infra/local/cli/e2e-run';
import { makeContext } from '../../infra/local/stack/context';
import { sleep } from '../../infra/local/stack/proc';
import { stackUp } from '../../infra/local/stack/stack';
import { loadRecording } from '../fixtures/debezium';
import {
  countDuplicates,
  diffDuplicates,
  fileSize,
  killService,
  readSlice,
  redriveLostNotifications,
  storedKeys,
  unacknowledgedBatches,
  waitForLine,
  waitUntil,
  type Duplicates,
} from './support';

jest.setTimeout(8 * 60_000);

const SEED = Number(process.env.FAULT_SEED ?? Date.now() % 1_000_000);
const random = seededRandom(SEED);
const RUN_ID = newRunId();
// Enough iterations that a kill lands under load with changes still to come after the restart.
const ITERATIONS = 40;
const INTERVAL_MS = 250;
const GENERATION_MS = ITERATIONS * INTERVAL_MS;
const CATCH_UP_TIMEOUT_MS = 240_000;
let scenario = 0;

const log = (m: string) => console.log(`[faults] ${m}`);

/** A moment within the generation window: after it started, well before it ends. */
const randomMoment = (from = 0.15, to = 0.6) => Math.round(GENERATION_MS * (from + random() * (to - from)));

/** Where the current sls offline process's part of the shared log begins. */
let segmentStart = 0;
let duplicatesBefore: Duplicates = { recordsInSeveralObjects: 0, extraRows: 0, changesAtSeveralOffsets: 0 };
let warehousePath: string | undefined;
let logFile = '';

beforeAll(() => log(`FAULT_SEED=${SEED} (set it to replay these kill moments); run ${RUN_ID}`));

/** One scenario: a chained pipeline run with `fault` injected while it generates. */
async function runWithFault(
  name: string,
  fault: (ctx: DuringRunContext) => Promise<void>,
  opts: { dbt?: boolean; offline?: { env?: Record<string, string>; params?: Record<string, string> } } = {},
): Promise<E2eReport> {
  scenario++;
  const t0 = Date.now();
  const report = await runE2e({
    runId: RUN_ID,
    // A different generator seed per scenario: each adds new activity to the same database.
    seed: SEED * 10 + scenario,
    iterations: ITERATIONS,
    intervalMs: INTERVAL_MS,
    catchUpTimeoutMs: CATCH_UP_TIMEOUT_MS,
    skipDbt: !opts.dbt,
    ...(opts.offline ? { offline: opts.offline } : {}),
    log: (m) => log(`${name}: ${m}`),
    duringRun: async (ctx) => {
      warehousePath = ctx.warehousePath;
      logFile = ctx.logFile;
      await fault(ctx);
    },
  });
  // The next scenario's sls offline process logs from here on.
  segmentStart = fileSize(logFile);
  const dup = await countDuplicates(report.warehousePath);
  const added = diffDuplicates(dup, duplicatesBefore);
  duplicatesBefore = dup;
  log(
    `${name}: ${report.match ? 'EXACT MATCH' : 'MISMATCH'} after catch-up ${(report.catchUpMs / 1000).toFixed(1)}s ` +
      `(scenario ${((Date.now() - t0) / 1000).toFixed(0)}s); generated ${JSON.stringify(report.generated)}; ` +
      `source rows ${JSON.stringify(report.raw.source.rows)}; duplicates added ${JSON.stringify(added)}`,
  );
  // RAW holds each Kafka record once, whatever object it was re-consumed into (the loader skips it).
  expect({ recordsInSeveralObjects: added.recordsInSeveralObjects, extraRows: added.extraRows }).toEqual({
    recordsInSeveralObjects: 0,
    extraRows: 0,
  });
  return report;
}

function expectExactMatch(report: E2eReport): void {
  const { raw } = report;
  for (const t of ['customers', 'accounts', 'transactions'] as const) {
    expect([t, raw.diff[t]]).toEqual([t, { missing: 0, extra: 0, different: 0, samples: [] }]);
  }
  expect(raw.warehouse).toEqual(raw.source);
  expect(report.generated.inserted).toBeGreaterThan(0);
  expect(report.match).toBe(true);
}

/** SIGKILL sls offline, start it again, and re-drive the S3 notifications that died with it. */
async function killAndRestartOffline(
  ctx: DuringRunContext,
  label: string,
): Promise<{ killedSegment: string; restartedAt: number }> {
  await ctx.restartOffline(); // SIGKILL of the process group, then a fresh start (same group, ports, warehouse)
  const restartedAt = fileSize(ctx.logFile);
  // Everything the killed process wrote is in the log before the new process's first line.
  const killedSegment = readSlice(ctx.logFile, segmentStart, restartedAt);
  const report = await redriveLostNotifications(ctx.cfg, ctx.warehousePath, storedKeys(killedSegment));
  log(
    `${label}: sls offline restarted; re-drove ${report.loaded} object(s) (${report.rows} rows) whose S3 notification died with it, ` +
      `${report.alreadyLoaded} were already loaded, ${report.failed} failed`,
  );
  expect(report.failed).toBe(0);
  segmentStart = restartedAt;
  return { killedSegment, restartedAt };
}

test('kill -9 the writer (sls offline) during a writeBatch invocation, restart: exact match', async () => {
  let inFlight = 0;
  let restartedAt = 0;
  const report = await runWithFault('writer', async (ctx) => {
    // The window between "objects stored" and "offsets committed" lasts milliseconds, so a kill
    // aimed at it can land just after it; aim again (each time a real kill and restart) until one
    // lands inside, up to a few times.
    for (let attempt = 1; attempt <= 5 && inFlight === 0; attempt++) {
      const delay = randomMoment();
      log(`writer: attempt ${attempt}: killing at the first writeBatch "batch stored" after ${delay} ms`);
      await sleep(delay);
      // "batch stored" is logged once every object of the batch is durable and before the
      // invocation returns, i.e. before offline-kafka commits its offsets: the kill aims there.
      const seen = await waitForLine(ctx.logFile, fileSize(ctx.logFile), /"message":"batch stored"/, 60_000).then(
        () => true,
        (err: unknown) => {
          if (attempt === 1) throw err;
          return false; // the load is over: no batch left to aim at (the assertion below decides)
        },
      );
      if (!seen) break;
      const { killedSegment, restartedAt: at } = await killAndRestartOffline(ctx, 'writer');
      restartedAt = at;
      // Batches the writer stored whose invocation never returned to offline-kafka (uncommitted).
      const unacknowledged = unacknowledgedBatches(killedSegment);
      inFlight = unacknowledged.length;
      log(
        `writer: killed with ${inFlight} stored batch(es) not yet acknowledged to Kafka` +
          (inFlight ? `: ${unacknowledged.map((keys) => keys[0]).join(', ')}` : ''),
      );
    }
  });
  expectExactMatch(report);
  // The kill landed between "objects stored" and "offsets committed": the case that re-delivers.
  expect(inFlight).toBeGreaterThan(0);
  // The pipeline went on after the restart: the new process wrote and loaded objects itself.
  const after = readSlice(logFile, restartedAt);
  expect(after).toMatch(/"message":"batch stored"/);
  expect(after).toMatch(/"message":"loaded object"/);
});

test('kill -9 the loader (sls offline) during a loadObject invocation, restart: exact match', async () => {
  let lockLeftBehind = false;
  let restartedAt = 0;
  const report = await runWithFault('loader', async (ctx) => {
    const delay = randomMoment();
    const lock = `${ctx.warehousePath}.writer-lock`;
    log(`loader: killing while the loader holds the warehouse (${lock}) after ${delay} ms`);
    await sleep(delay);
    // The loader holds this mutex exactly while a load session (its DuckDB transaction) is open.
    await waitUntil(() => existsSync(lock), 60_000, 'a loadObject session');
    await ctx.offline.stop('SIGKILL');
    // A dead holder leaves the mutex behind: proof the kill landed inside a load.
    lockLeftBehind = existsSync(lock);
    log(`loader: killed; warehouse writer lock left behind: ${lockLeftBehind}`);
    await killAndRestartOffline(ctx, 'loader');
    restartedAt = fileSize(ctx.logFile);
  });
  expectExactMatch(report);
  expect(lockLeftBehind).toBe(true);
  const after = readSlice(logFile, restartedAt);
  expect(after).toMatch(/"message":"loaded object"/);
});

test('kill -9 Kafka Connect under load, restart via stackUp: exact match', async () => {
  const report = await runWithFault('connect', async (ctx) => {
    const delay = randomMoment();
    await sleep(delay);
    const pid = await killService(ctx.cfg, 'connect');
    const down = 1000 + Math.round(random() * 4000);
    log(`connect: kill -9 pid ${pid} after ${delay} ms; down for ${down} ms while the generator writes on`);
    await sleep(down);
    // Connect restarts and Debezium resumes from its committed offsets / the replication slot.
    await stackUp({ ctx: { ...makeContext({ quiet: true, cfg: ctx.cfg }), log: (m) => log(`connect: stack: ${m}`) } });
  });
  expectExactMatch(report);
});

test('kill -9 Kafka under load, restart via stackUp: exact match', async () => {
  const report = await runWithFault('kafka', async (ctx) => {
    const delay = randomMoment();
    await sleep(delay);
    const pid = await killService(ctx.cfg, 'kafka');
    const down = 1000 + Math.round(random() * 4000);
    log(`kafka: kill -9 pid ${pid} after ${delay} ms; down for ${down} ms (Connect's producer and the writer's consumer retry)`);
    await sleep(down);
    await stackUp({ ctx: { ...makeContext({ quiet: true, cfg: ctx.cfg }), log: (m) => log(`kafka: stack: ${m}`) } });
  });
  expectExactMatch(report);
});

test('poison messages land in the dead-letter prefix and the pipeline goes on (then dbt builds on it)', async () => {
  const cfg = loadSettings();
  const topic = `${cfg.KAFKA_TOPIC_PREFIX}.public.transactions`;
  // A real Debezium envelope (recorded from the connector) with an amount NUMERIC(18,2) cannot hold,
  // on a key the source does not have: decoded by mistake, it would be an extra warehouse row.
  // With DEBEZIUM_INLINE_SCHEMAS (the default) a value is {schema, payload}: the envelope is its payload.
  const decode = (value: string): { schema?: unknown; payload?: unknown; op?: string; after?: Record<string, unknown> } =>
    JSON.parse(Buffer.from(value, 'base64').toString());
  const envelopeOf = (v: ReturnType<typeof decode>) =>
    ('payload' in v && 'schema' in v ? v.payload : v) as { op?: string; after: Record<string, unknown> };
  const sample = loadRecording().records.find(
    (r) => r.topic.endsWith('.public.transactions') && r.value && envelopeOf(decode(r.value)).op === 'c',
  );
  if (!sample?.value) throw new Error('the recording has no transaction insert');
  const value = decode(sample.value);
  const envelope = envelopeOf(value);
  envelope.after = { ...envelope.after, id: 987_654_321, amount: '1.005' };
  const poison = [
    { key: JSON.stringify({ id: 987_654_320 }), value: '{"op": "c", "after": {"id": 987654320, "amount": "10.00"' },
    { key: JSON.stringify({ id: 987_654_321 }), value: JSON.stringify(value) },
  ];
  const produced: Array<{ partition: number; offset: string }> = [];

  const report = await runWithFault(
    'poison',
    async () => {
      await sleep(randomMoment(0.1, 0.4));
      const kafka = new Kafka({ clientId: 'faults-poison', brokers: kafkaBrokers(cfg), logLevel: logLevel.NOTHING });
      const producer = kafka.producer();
      await producer.connect();
      try {
        // One at a time, so each one's offset is known for its dead-letter key.
        for (const m of poison) {
          const [meta] = await producer.send({ topic, messages: [m] });
          produced.push({ partition: meta!.partition, offset: meta!.baseOffset! });
        }
      } finally {
        await producer.disconnect();
      }
      log(
        `poison: produced ${produced.length} poison records to ${topic} at ${produced.map((p) => `${p.partition}-${p.offset}`).join(', ')}`,
      );
    },
    { dbt: true },
  );
  expectExactMatch(report);
  expect(report.dbt?.problems).toEqual([]);
  expect(report.dbt?.ok).toBe(true);

  // The writer has consumed past the poison (the reconciliation above includes later changes), so
  // each dead letter is stored by now; read them back.
  const s3 = createS3Client(cfg);
  try {
    const letters = [];
    for (const p of produced) {
      const key = `${cfg.DLQ_PREFIX}/${topic}/${p.partition}-${p.offset}.json`;
      const body = await s3
        .send(new GetObjectCommand({ Bucket: cfg.MINIO_BUCKET, Key: key }))
        .then((r) => r.Body!.transformToString())
        .catch((err: unknown) => {
          if (err instanceof NoSuchKey) throw new Error(`dead letter ${key} missing: the poison record was not dead-lettered`);
          throw err;
        });
      letters.push(JSON.parse(body) as { error: string; topic: string; partition: number; offset: number; value: string | null });
    }
    log(`poison: dead letters: ${letters.map((l) => `${l.topic}/${l.partition}-${l.offset}: ${l.error}`).join(' | ')}`);
    expect(letters.map((l) => [l.topic, l.partition, String(l.offset)])).toEqual(
      produced.map((p) => [topic, p.partition, p.offset]),
    );
    expect(letters[0]!.error).toMatch(/not JSON/);
    expect(letters[1]!.error).toMatch(/amount.*fraction digits/);
    // Kept whole, as received, so it can be inspected and replayed.
    expect(Buffer.from(letters[1]!.value!, 'base64').toString()).toBe(poison[1]!.value);
  } finally {
    s3.destroy();
  }
});

test('objects put while no S3 event is ever delivered: the scheduled sweep loads them, exact match', async () => {
  const from = segmentStart;
  let objectsWritten = 0;
  const report = await runWithFault(
    'sweep',
    async (ctx) => {
      // No event source for S3 at all (the loader is never notified), and the sweep every minute:
      // every object of this scenario is written while nothing would load it but the sweep.
      await waitForLine(ctx.logFile, from, /"message":"batch stored"/, 60_000);
      objectsWritten = storedKeys(readSlice(ctx.logFile, from)).length;
      log(`sweep: the writer is storing objects (${objectsWritten} so far); no S3 event will be delivered for any`);
    },
    { offline: { env: { OFFLINE_S3: 'off' }, params: { sweepRate: 'rate(1 minute)' } } },
  );
  expectExactMatch(report);
  const segment = readSlice(logFile, from);
  expect(segment).toMatch(/offline-s3: disabled/);
  expect(segment).not.toMatch(/offline-s3: loadObject/);
  const sweeps = segment
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes('"message":"sweep done"'))
    .map((l) => JSON.parse(l) as { loaded: number; rows: number; failed: number });
  log(`sweep: ${sweeps.length} sweep(s): ${JSON.stringify(sweeps)}`);
  // Everything this scenario wrote reached the warehouse through the sweep, and only through it.
  expect(sweeps.reduce((n, s) => n + s.loaded, 0)).toBeGreaterThanOrEqual(new Set(storedKeys(segment)).size);
  expect(sweeps.every((s) => s.failed === 0)).toBe(true);
  expect(objectsWritten).toBeGreaterThan(0);
});

afterAll(async () => {
  if (warehousePath) log(`warehouse of this run: ${warehousePath}; seed ${SEED}`);
});
