/**
 * End-to-end pipeline bench: Postgres commit -> Debezium -> Kafka -> writeBatch -> MinIO ->
 * loadObject -> DuckDB RAW, all through `sls offline start`, measured from the rows themselves:
 * latency per row = epoch_ms(_loaded_at) - _source_ts_ms (Postgres commit time).
 *
 * For each serverless param set (the writer's Kafka batching window dominates latency, so the
 * default 5 s window is compared with a short one in the same run):
 *   - own consumer group starting at LATEST and a fresh warehouse file, so there is no replay of
 *     the topics' history to wait for: the timed window starts on an idle, caught-up pipeline;
 *   - warm-up iterations (esbuild, worker threads, the warehouse file's DDL), which also calibrate
 *     how many row changes one iteration of a given scale produces;
 *   - steps at a controlled rate (generator scale x interval), each followed by a drain: a marker
 *     iteration after the window touches all three tables, and the step is drained when every RAW
 *     table holds a row committed after the window and the window's row count is complete;
 *   - per step: p50/p90/p99/max latency of rows committed inside the window, latency of the first
 *     vs the last third of the window (did lag grow?), drain time.
 * "Max sustained" = the highest step whose lag did not grow and whose drain stayed short.
 *
 *   npx tsx bench/pipeline.bench.ts [--seconds 60] [--probe-seconds 40] [--rates 1000,2000,4000]
 *                                                              -> bench/results/pipeline.json
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, machineInfo } from './machine';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { DuckDBConnection } from '@duckdb/node-api';
import { connectFromConfig, parseGeneratorOptions, runGenerator, type RunSummary } from '../functions/generator';
import type { LoopLogger } from '../functions/generator/loop';
import { loadConfig, type Config } from '../functions/shared/config';
import { TABLE_NAMES } from '../functions/shared/tables';
import { freePort, withWarehouse } from '../infra/cli/e2e-run';
import { startOffline, type OfflineProcess } from '../infra/cli/offline';
import { makeContext, REPO_ROOT } from '../infra/stack/context';
import { sleep } from '../infra/stack/proc';
import { stackUp } from '../infra/stack/stack';

export interface PipelineBenchOptions {
  /** Length of the steady window at 1,000 changes/s (the headline latency figure). */
  steadySeconds?: number;
  /** Length of each "max sustained" probe step. */
  probeSeconds?: number;
  /** Probe rates above the steady one, changes/s, stepped up until lag grows. */
  probeRates?: number[];
  /** Writer event-source params to compare in the same run (batchSize, maximumBatchingWindow s); each runs steady + probe. */
  paramSets?: ParamSet[];
  /** Time between generator iteration starts: the rate is set by the scale per iteration. */
  intervalMs?: number;
  out?: string;
  log?: (m: string) => void;
}

export interface Latency {
  rows: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface StepResult {
  targetChangesPerSec: number;
  scale: { customers: number; accounts: number; transactions: number };
  intervalMs: number;
  windowSeconds: number;
  /** Row changes the generator committed in the window (inserts + updates + deletes). */
  generatedChanges: number;
  achievedChangesPerSec: number;
  /** RAW rows whose commit time is inside the window (includes anyone else's writes to the shared source). */
  rawRows: number;
  complete: boolean;
  /** RAW rows per second over the window: the pipeline's delivered throughput at this rate. */
  rawRowsPerSec: number;
  /** From the end of the window until the marker committed after it was in RAW for all tables. */
  drainMs: number;
  latencyMs: Latency;
  firstThirdMs: Latency;
  lastThirdMs: Latency;
  lagGrew: boolean;
  sustained: boolean;
  /** Why the step is not sustained, in words. */
  verdict: string;
}

export interface ParamSet {
  batchSize: number;
  windowSeconds: number;
}

export interface ParamRun {
  params: { batchSize: number; maximumBatchingWindowSeconds: number };
  calibration: { changesPerIterationPerCustomer: number; warmupIterations: number };
  steps: StepResult[];
  error?: string;
}

export interface PipelineBenchResult {
  kind: 'pipeline';
  measuredAt: string;
  machine: ReturnType<typeof machineInfo>;
  loadavg: { start: number[]; end: number[] };
  method: string;
  params: { steadySeconds: number; probeSeconds: number; probeRates: number[]; intervalMs: number; paramSets: ParamSet[] };
  runs: ParamRun[];
  headline: {
    /** Per param set (the first is serverless.yml's): 1,000 changes/s latency and the highest sustained rate. */
    byParams: {
      batchSize: number;
      windowSeconds: number;
      steady: { changesPerSec: number; p50Ms: number; p99Ms: number; lagGrew: boolean; sustained: boolean; verdict: string };
      maxSustained: { changesPerSec: number; rawRowsPerSec: number; firstUnsustained: number | null };
    }[];
  };
}

const silent: LoopLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function changesOf(s: RunSummary): number {
  const t = s.totals;
  return (
    t.inserted.customers +
    t.inserted.accounts +
    t.inserted.transactions +
    t.updated.customers +
    t.updated.accounts +
    t.deleted.customers
  );
}

/**
 * All RAW change rows of the three tables with their commit time and latency. The loader under
 * test hears every object created in the shared bucket, so a writer of someone else's run can
 * deliver the same Kafka record too: each record counts once, at its first arrival.
 */
const RAW_UNION = TABLE_NAMES.map(
  (t) =>
    `SELECT min(_source_ts_ms) AS ts, min(epoch_ms(_loaded_at)) - min(_source_ts_ms) AS lat FROM raw.${t} ` +
    `GROUP BY _kafka_topic, _kafka_partition, _kafka_offset`,
).join(' UNION ALL ');

async function latencyBetween(db: DuckDBConnection, from: number, to: number): Promise<Latency> {
  const r = await db.runAndReadAll(
    `SELECT count(*), quantile_cont(lat, 0.5), quantile_cont(lat, 0.9), quantile_cont(lat, 0.99), max(lat)
       FROM (${RAW_UNION}) WHERE ts BETWEEN ${from} AND ${to}`,
  );
  const [n, p50, p90, p99, max] = r.getRows()[0]!.map((v) => (v === null ? 0 : Number(v)));
  return { rows: n!, p50: Math.round(p50!), p90: Math.round(p90!), p99: Math.round(p99!), max: Math.round(max!) };
}

/** Latest commit time loaded per RAW table (0 when the table is empty or missing). */
async function latestPerTable(path: string): Promise<number[]> {
  return withWarehouse(path, async (db) => {
    const out: number[] = [];
    for (const t of TABLE_NAMES)
      out.push(Number((await db.runAndReadAll(`SELECT coalesce(max(_source_ts_ms), 0) FROM raw.${t}`)).getRows()[0]![0]));
    return out;
  }).catch((err: Error) => {
    if (/does not exist|Catalog Error|No such file/i.test(err.message)) return TABLE_NAMES.map(() => 0);
    throw err;
  });
}

interface Rig {
  cfg: Config;
  warehousePath: string;
  log: (m: string) => void;
}

/** One iteration touching all three tables: the end-of-window marker. Returns when it began (commits come after). */
async function marker(rig: Rig, seed: number): Promise<number> {
  const began = Date.now();
  await runGenerator({
    options: parseGeneratorOptions({ iterations: 1, intervalMs: 0, seed, scale: { customers: 1, accounts: 1, transactions: 1 } }),
    connect: connectFromConfig(rig.cfg),
    logger: silent,
  });
  return began;
}

/** Wait until every RAW table holds a row committed at or after `sinceMs`; returns when (ms epoch). */
async function waitDrained(rig: Rig, sinceMs: number, timeoutMs: number): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const latest = await latestPerTable(rig.warehousePath);
    if (latest.every((ts) => ts >= sinceMs)) return Date.now();
    // Each look opens the file read-only, which holds the loader off for a moment: not too often.
    await sleep(2500);
  }
  return null;
}

async function step(
  rig: Rig,
  o: { target: number; seconds: number; intervalMs: number; perCustomer: number; windowSeconds: number; seed: number },
): Promise<StepResult> {
  // Changes per iteration ~ customers x perCustomer (accounts 2x and transactions 5x customers, as the default shape).
  const customers = Math.max(1, Math.round((o.target * o.intervalMs) / 1000 / o.perCustomer));
  const scale = { customers, accounts: 2 * customers, transactions: 5 * customers };
  rig.log(
    `step ${o.target} changes/s for ${o.seconds}s: scale ${customers},${2 * customers},${5 * customers} every ${o.intervalMs} ms`,
  );
  const t0 = Date.now();
  const summary = await runGenerator({
    options: parseGeneratorOptions({ intervalMs: o.intervalMs, seed: o.seed, scale }),
    connect: connectFromConfig(rig.cfg),
    logger: silent,
    signal: AbortSignal.timeout(o.seconds * 1000),
  });
  const t1 = Date.now();
  const generated = changesOf(summary);
  await sleep(50);
  const markerAt = await marker(rig, o.seed + 1);
  // A drain longer than this means the pipeline fell far behind: the step failed anyway.
  const drainedAt = await waitDrained(rig, markerAt, Math.max(90_000, o.seconds * 2000));
  const drainMs = drainedAt === null ? -1 : drainedAt - t1;

  // Let stragglers of the window land (a loader retrying on the lock may finish after the marker).
  let measured: { all: Latency; first: Latency; last: Latency } | undefined;
  for (let i = 0; i < 10; i++) {
    measured = await withWarehouse(rig.warehousePath, async (db) => {
      const third = Math.floor((t1 - t0) / 3);
      return {
        all: await latencyBetween(db, t0, t1),
        first: await latencyBetween(db, t0, t0 + third),
        last: await latencyBetween(db, t1 - third, t1),
      };
    });
    if (measured.all.rows >= generated) break;
    await sleep(2000);
  }
  const m = measured!;
  const secs = (t1 - t0) / 1000;
  const complete = m.all.rows >= generated;
  // Batching makes latency saw-tooth by up to a window: lag "grew" only beyond that noise.
  const tolerance = Math.max(2000, o.windowSeconds * 1000, m.first.p50 * 0.5);
  const lagGrew = m.last.p50 - m.first.p50 > tolerance;
  const achieved = generated / secs;
  const reasons: string[] = [];
  if (!complete) reasons.push(`only ${m.all.rows}/${generated} rows reached RAW`);
  if (drainedAt === null) reasons.push('did not drain');
  else if (drainMs > 30_000 + o.windowSeconds * 1000) reasons.push(`drain took ${(drainMs / 1000).toFixed(1)}s`);
  if (lagGrew) reasons.push(`lag grew: p50 ${m.first.p50} -> ${m.last.p50} ms`);
  if (achieved < 0.9 * o.target) reasons.push(`generator reached only ${Math.round(achieved)} changes/s`);
  const sustained = reasons.length === 0;
  const res: StepResult = {
    targetChangesPerSec: o.target,
    scale,
    intervalMs: o.intervalMs,
    windowSeconds: Math.round(secs * 10) / 10,
    generatedChanges: generated,
    achievedChangesPerSec: Math.round(achieved),
    rawRows: m.all.rows,
    complete,
    rawRowsPerSec: Math.round(m.all.rows / secs),
    drainMs,
    latencyMs: m.all,
    firstThirdMs: m.first,
    lastThirdMs: m.last,
    lagGrew,
    sustained,
    verdict: sustained ? 'sustained' : reasons.join('; '),
  };
  rig.log(
    `  ${res.achievedChangesPerSec} changes/s, ${res.rawRows} RAW rows, p50 ${m.all.p50} ms, p99 ${m.all.p99} ms, ` +
      `first/last third p50 ${m.first.p50}/${m.last.p50} ms, drain ${(drainMs / 1000).toFixed(1)}s: ${res.verdict}`,
  );
  return res;
}

async function paramRun(
  set: ParamSet,
  o: { rates: number[]; steadySeconds: number; probeSeconds: number; intervalMs: number; dir: string; log: (m: string) => void },
): Promise<ParamRun> {
  const window = set.windowSeconds;
  const runId = `${Date.now().toString(36)}-b${set.batchSize}w${window}`;
  const dir = join(o.dir, runId);
  mkdirSync(dir, { recursive: true });
  const warehousePath = join(dir, 'warehouse.duckdb');
  const env = {
    WAREHOUSE_PATH: warehousePath,
    NODE_NO_WARNINGS: '1',
    OFFLINE_HTTP_PORT: String(await freePort()),
    OFFLINE_LAMBDA_PORT: String(await freePort()),
  };
  const cfg = loadConfig({ ...process.env, ...env });
  const rig: Rig = { cfg, warehousePath, log: o.log };
  const params = {
    consumerGroupId: `bench-${runId}`,
    generateSchedule: 'false',
    // A fresh group at LATEST: nothing of the topics' history to replay before the timed window.
    startingPosition: 'LATEST',
    batchSize: String(set.batchSize),
    maximumBatchingWindow: String(window),
  };
  const logFile = join(dir, 'offline.log');
  o.log(`batchSize ${set.batchSize}, batching window ${window}s: starting sls offline (log ${logFile})...`);
  const offline: OfflineProcess = await startOffline({ root: REPO_ROOT, logFile, env, params });
  try {
    // Warm-up at the default shape; also measures changes per iteration per customer of scale.
    const warm = await runGenerator({
      options: parseGeneratorOptions({
        iterations: 10,
        intervalMs: 250,
        seed: 7,
        scale: { customers: 10, accounts: 20, transactions: 50 },
      }),
      connect: connectFromConfig(cfg),
      logger: silent,
    });
    const perCustomer = changesOf(warm) / warm.succeeded / 10;
    const markerAt = await marker(rig, 8);
    if ((await waitDrained(rig, markerAt, 180_000)) === null) {
      throw new Error(`warm-up rows never reached the warehouse; see ${logFile}`);
    }
    o.log(`warm-up drained (${(perCustomer * 10).toFixed(0)} changes per default iteration)`);
    const steps: StepResult[] = [];
    for (const [i, rate] of o.rates.entries()) {
      const s = await step(rig, {
        target: rate,
        seconds: i === 0 ? o.steadySeconds : o.probeSeconds,
        intervalMs: o.intervalMs,
        perCustomer,
        windowSeconds: window,
        seed: 100 + i * 10,
      });
      steps.push(s);
      if (!s.sustained) break; // higher rates would only fall further behind
      await sleep(3000);
    }
    return {
      params: { batchSize: set.batchSize, maximumBatchingWindowSeconds: window },
      calibration: { changesPerIterationPerCustomer: Math.round(perCustomer * 100) / 100, warmupIterations: warm.succeeded },
      steps,
    };
  } finally {
    await offline.stop();
    // The warehouse copies are throwaway; the log stays for a look.
    rmSync(warehousePath, { force: true });
    rmSync(`${warehousePath}.wal`, { force: true });
  }
}

export async function runPipelineBench(opts: PipelineBenchOptions = {}): Promise<PipelineBenchResult> {
  const log = opts.log ?? ((m: string) => console.log(`[bench:pipeline] ${m}`));
  const steadySeconds = opts.steadySeconds ?? 60;
  const probeSeconds = opts.probeSeconds ?? 30;
  const probeRates = opts.probeRates ?? [2000, 4000];
  const paramSets = opts.paramSets ?? [
    { batchSize: 500, windowSeconds: 5 },
    { batchSize: 10_000, windowSeconds: 5 },
  ];
  const intervalMs = opts.intervalMs ?? 250;
  const start = loadavg();
  const ctx = makeContext({ quiet: true });
  log('checking the local stack...');
  await stackUp({ ctx: { ...ctx, log: (m) => log(`stack: ${m}`) } });
  const dir = join(ctx.stackDir, 'bench');
  const runs: ParamRun[] = [];
  for (const set of paramSets) {
    try {
      runs.push(await paramRun(set, { rates: [1000, ...probeRates], steadySeconds, probeSeconds, intervalMs, dir, log }));
    } catch (err) {
      // One param set failing (e.g. its warm-up never drained) must not lose the others' figures.
      log(`batchSize ${set.batchSize}, window ${set.windowSeconds}s FAILED: ${(err as Error).message}`);
      runs.push({
        params: { batchSize: set.batchSize, maximumBatchingWindowSeconds: set.windowSeconds },
        calibration: { changesPerIterationPerCustomer: 0, warmupIterations: 0 },
        steps: [],
        error: (err as Error).message,
      });
    }
  }
  const result: PipelineBenchResult = {
    kind: 'pipeline',
    measuredAt: new Date().toISOString(),
    machine: machineInfo(),
    loadavg: { start, end: loadavg() },
    method:
      'sls offline with its own consumer group at LATEST and a fresh DuckDB file; generator at a fixed scale every intervalMs; ' +
      'latency = epoch_ms(_loaded_at) - _source_ts_ms over RAW rows committed in the window; lag grew = last-third p50 minus ' +
      'first-third p50 beyond max(2 s, batching window, half the first-third p50); sustained = complete, drained within ' +
      '30 s + window after the step, no lag growth, generator within 90% of target. Shared 2-CPU machine: other sessions ' +
      'run tests beside it (see loadavg), and RAW rows include anyone else writing to the shared source meanwhile.',
    params: { steadySeconds, probeSeconds, probeRates, intervalMs, paramSets },
    runs,
    headline: {
      byParams: runs
        .filter((r) => r.steps.length > 0)
        .map((r) => {
          const steady = r.steps[0]!;
          const ok = r.steps.filter((s) => s.sustained);
          const best = ok[ok.length - 1];
          return {
            batchSize: r.params.batchSize,
            windowSeconds: r.params.maximumBatchingWindowSeconds,
            steady: {
              changesPerSec: steady.achievedChangesPerSec,
              p50Ms: steady.latencyMs.p50,
              p99Ms: steady.latencyMs.p99,
              lagGrew: steady.lagGrew,
              sustained: steady.sustained,
              verdict: steady.verdict,
            },
            maxSustained: {
              changesPerSec: best?.achievedChangesPerSec ?? 0,
              rawRowsPerSec: best?.rawRowsPerSec ?? 0,
              firstUnsustained: r.steps.find((s) => !s.sustained)?.targetChangesPerSec ?? null,
            },
          };
        }),
    },
  };
  const out = opts.out ?? join(__dirname, 'results', 'pipeline.json');
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '60' },
      'probe-seconds': { type: 'string', default: '30' },
      rates: { type: 'string', default: '2000,4000' },
      // batchSize x window seconds, comma-separated; the first is serverless.yml's
      params: { type: 'string', default: '500x5,10000x5' },
      out: { type: 'string' },
    },
  });
  runPipelineBench({
    steadySeconds: Number(values.seconds),
    probeSeconds: Number(values['probe-seconds']),
    probeRates: values.rates!.split(',').filter(Boolean).map(Number),
    paramSets: values
      .params!.split(',')
      .filter(Boolean)
      .map((p) => {
        const [b, w] = p.split('x').map(Number);
        if (!Number.isInteger(b) || !(w! >= 0)) throw new Error(`bad --params ${p}: use batchSize x window, e.g. 500x5`);
        return { batchSize: b!, windowSeconds: w! };
      }),
    out: values.out,
  }).then(
    (r) => console.log(JSON.stringify(r.headline, null, 2)),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
