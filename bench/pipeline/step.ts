/**
 * One step of the rate ramp: the generator steered to the rate (deposits above what it can offer) for a window, then a
 * marker, then the drain; latency of the window's rows and whether lag grew.
 */
import { connectFromConfig, parseGeneratorOptions, runGenerator } from '../../functions/generator';
import { sleep } from '../../infra/local/stack/proc';
import { changesOf } from '../../infra/local/cli/util/burst';
import { marker, silent, steerRate, waitDrained, windowLatency, type Latency, type Rig } from './measure';
import { runDepositLoad } from './depositLoad';
import { captureLags, sampleCapture, summariseCaptureLag, type CaptureLag, type CommitMark } from './captureLag';
import { stepVerdict, timeToSteady, type LatencyWindow, type Rule } from './verdict';

export interface StepResult {
  targetChangesPerSec: number;
  /** The generator's starting scale (none for a step of deposits). */
  scale?: { customers: number; accounts: number; transactions: number };
  intervalMs: number;
  windowSeconds: number;
  /** Row changes committed in the window (inserts + updates + deletes), generator and deposits. */
  generatedChanges: number;
  /** What committed them: the generator (all three tables, faker), and deposits above its share. */
  load?: { generatorChanges: number; depositChanges: number };
  achievedChangesPerSec: number;
  /** RAW rows whose commit time is inside the window. */
  rawRows: number;
  complete: boolean;
  /** RAW rows per second over the window: the pipeline's delivered throughput at this rate. */
  rawRowsPerSec: number;
  /**
   * Objects the real writer wrote in the window (LastModified inside it, in the run's own bucket):
   * the rate a loader must keep up with at this step (the cloud loader bench reads it).
   */
  writerObjects?: { objects: number; perSec: number };
  /** From the end of the window until the marker committed after it was in RAW for all tables. */
  drainMs: number;
  latencyMs: Latency;
  /** Latency of the rows committed in the first, middle and last third of the window. */
  firstThirdMs: Latency;
  middleThirdMs: Latency;
  lastThirdMs: Latency;
  /** By 5 s windows of commit time (a cold step's). */
  windows?: LatencyWindow[];
  /** Cold step: first moment (ms after the first change) after which every 5 s window's p99 <= 5 s; null: never. */
  timeToSteadyMs?: number | null;
  /** Steps of deposits: how long changes waited for Debezium (part of the latency above). */
  captureLagMs?: CaptureLag;
  lagGrew: boolean;
  sustained: boolean;
  /** The rules that failed (verdict.ts); empty when sustained. */
  failedRules: Rule[];
  /** 'sustained', or why not, in words. */
  verdict: string;
}

export interface StepOptions {
  target: number;
  seconds: number;
  intervalMs: number;
  /** Row changes per iteration per customer of scale (calibrated by the warm-up). */
  perCustomer: number;
  windowSeconds: number;
  seed: number;
  /** Longest drain still called sustained (an overload step allows longer). */
  maxDrainMs: number;
  /** Also measure latency by 5 s windows and the time to steady latency (the cold step). */
  windows?: boolean;
  /**
   * The highest step the generator offers itself; above it the step's load is deposits committed
   * by Postgres (depositLoad.ts). Beside the pipeline on 2 cores the generator (faker, ~60 us of JS
   * per change) reached 4.5k-7k changes/s from run to run, and mixed with deposits it fell short
   * further (measured 2026-12-05: aimed at 1k beside 3k of deposits it gave 0.7k), so a step above
   * it measured the load, not the pipeline.
   */
  generatorMax?: number;
}

/** Default highest step the generator offers (it reached at least 3.9k at the 4k step in every run seen). */
export const GENERATOR_MAX = 4000;

export async function step(rig: Rig, o: StepOptions): Promise<StepResult> {
  const genTarget = o.target <= (o.generatorMax ?? GENERATOR_MAX) ? o.target : 0;
  const depositTarget = o.target - genTarget;
  const signal = AbortSignal.timeout(o.seconds * 1000);
  const t0 = Date.now();
  let generatorChanges = 0;
  let depositChanges = 0;
  let scale: StepResult['scale'];
  let sampler: Awaited<ReturnType<typeof sampleCapture>> | undefined;
  const commits: CommitMark[] = [];
  if (genTarget > 0) {
    // Changes per iteration ~ customers x perCustomer (accounts 2x and transactions 5x customers, as the default shape).
    const customers = Math.max(1, Math.round((genTarget * o.intervalMs) / 1000 / o.perCustomer));
    scale = { customers, accounts: 2 * customers, transactions: 5 * customers };
    rig.log(
      `step ${o.target} changes/s for ${o.seconds}s: the generator, scale ${customers},${2 * customers},${5 * customers} every ${o.intervalMs} ms`,
    );
    const options = parseGeneratorOptions({ intervalMs: o.intervalMs, seed: o.seed, scale });
    const summary = await runGenerator({
      options,
      connect: connectFromConfig(rig.cfg),
      logger: silent,
      signal,
      onIteration: steerRate(options, genTarget, t0),
    });
    generatorChanges = changesOf(summary);
  } else {
    rig.log(`step ${o.target} changes/s for ${o.seconds}s: deposits committed by Postgres`);
    const db = await connectFromConfig(rig.cfg)();
    sampler = rig.admin ? await sampleCapture(rig.admin, rig.cfg) : undefined;
    try {
      depositChanges = (
        await runDepositLoad(db, {
          changesPerSec: depositTarget,
          signal,
          seed: o.seed,
          onCommit: (at, changes) => commits.push({ at, changes }),
        })
      ).changes;
    } finally {
      await db.end().catch(() => undefined);
    }
  }
  const t1 = Date.now();
  const generated = generatorChanges + depositChanges;
  await sleep(50);
  const markerAt = await marker(rig, o.seed + 1);
  const drainedAt = await waitDrained(rig, markerAt, Math.max(180_000, o.seconds * 3000), 500);
  const drainMs = drainedAt === null ? -1 : drainedAt - t1;
  const captureLag = sampler ? summariseCaptureLag(captureLags(commits, await sampler.stop()), t0, t1) : undefined;
  const m = await windowLatency(rig, t0, t1, generated, { windows: o.windows });
  const objects = rig.objectsWrittenBetween ? await rig.objectsWrittenBetween(t0, t1) : undefined;

  const secs = (t1 - t0) / 1000;
  const achieved = generated / secs;
  const v = stepVerdict({
    targetChangesPerSec: o.target,
    achievedChangesPerSec: Math.round(achieved),
    generatedChanges: generated,
    rawRows: m.all.rows,
    drainMs: drainedAt === null ? -1 : drainMs,
    maxDrainMs: o.maxDrainMs,
    thirds: m.thirds,
  });
  const [first, middle, last] = m.thirds;
  const res: StepResult = {
    targetChangesPerSec: o.target,
    ...(scale ? { scale } : {}),
    intervalMs: o.intervalMs,
    windowSeconds: Math.round(secs * 10) / 10,
    generatedChanges: generated,
    load: { generatorChanges, depositChanges },
    achievedChangesPerSec: Math.round(achieved),
    rawRows: m.all.rows,
    complete: m.all.rows >= generated,
    rawRowsPerSec: Math.round(m.all.rows / secs),
    ...(objects !== undefined ? { writerObjects: { objects, perSec: Math.round((objects / secs) * 10) / 10 } } : {}),
    drainMs,
    latencyMs: m.all,
    firstThirdMs: first,
    middleThirdMs: middle,
    lastThirdMs: last,
    ...(m.windows ? { windows: m.windows, timeToSteadyMs: timeToSteady(m.windows) } : {}),
    ...(captureLag ? { captureLagMs: captureLag } : {}),
    lagGrew: v.failed.includes('lag'),
    sustained: v.sustained,
    failedRules: v.failed,
    verdict: v.text,
  };
  rig.log(
    `  ${res.achievedChangesPerSec} changes/s, ${res.rawRows} RAW rows, p50 ${m.all.p50} ms, p99 ${m.all.p99} ms, ` +
      (res.writerObjects ? `${res.writerObjects.objects} objects (${res.writerObjects.perSec}/s), ` : '') +
      `thirds p50 ${first.p50}/${middle.p50}/${last.p50} ms p99 ${first.p99}/${middle.p99}/${last.p99} ms, drain ${(drainMs / 1000).toFixed(1)}s` +
      (captureLag ? `, capture lag max ${captureLag.maxMs} ms (thirds ${captureLag.byThirdMs.join('/')})` : '') +
      (res.windows
        ? `, steady after ${res.timeToSteadyMs === null ? 'never' : `${((res.timeToSteadyMs ?? 0) / 1000).toFixed(0)} s`}`
        : '') +
      `: ${res.verdict}`,
  );
  return res;
}
