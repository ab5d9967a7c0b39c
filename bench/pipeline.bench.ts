/**
 * End-to-end pipeline bench: Postgres commit -> Debezium -> Kafka -> writeBatch -> MinIO ->
 * loadObject -> DuckDB RAW, all through `sls offline start` with serverless.yml's settings,
 * measured from the rows themselves: latency per row = epoch_ms(_loaded_at) - _source_ts_ms.
 *
 *   - its own consumer group at LATEST and a fresh warehouse file: the timed windows start on an
 *     idle, caught-up pipeline, with none of the topics' history to replay;
 *   - warm-up iterations (esbuild, worker threads, DDL), which also calibrate how many row changes
 *     one iteration of a given scale produces;
 *   - a rate ramp (1k, 2k, 4k, 5k, 6k, 8k, 10k, 12k changes/s by default; above 4k the load is deposits committed by Postgres, which the generator beside the pipeline cannot offer), each step followed by a drain, until a
 *     step is not sustained: the highest sustained rate, and p50/p99 commit -> RAW at each step;
 *   - Debezium's capture rate first, in the same run (replay/capture.ts, before the pipeline
 *     starts): the highest sustained rate is reported as a ratio to it;
 *   - a step is sustained only if its p99 commit -> RAW is within 5 s in every third of it and its
 *     lag grew by no more than a fixed 1.5 s (pipeline/verdict.ts says which rule failed);
 *   - the cold step: sls offline stopped and started afresh (same consumer groups, so it resumes
 *     where it stopped), then straight into the highest sustained rate, with its time to steady
 *     latency (the first moment after which every 5 s window's p99 is within 5 s), and the same step
 *     again right after, warm (OFFLINE_KAFKA_WARMUP=off|on compares the writer threads' warm-up);
 *   - an overload: 60 s at twice the highest sustained rate, then the time until everything
 *     committed in it is in RAW (the pipeline must drain, not stall).
 *
 *   - the page check: right after the ramp's step at 5k (--page-check), the same step again with
 *     the pipeline page collecting and polled as a browser does (it must not slow the pipeline);
 *
 *   npx tsx bench/pipeline.bench.ts [--seconds 30] [--rates 1000,2000,4000,5000,6000,8000,10000,12000] [--overload-seconds 60] [--page-check 5000]
 *        [--cold-rate N | --no-cold] [--no-extend] [--capture 100000] [--with-dashboard] [--keep] [--format inline|schemaless]
 *                                                              -> bench/results/pipeline-<format>.json
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connectFromConfig, parseGeneratorOptions, runGenerator } from '../functions/generator';
import { kafkaBrokers, loadSettings } from '../infra/local/stack/settings';
import { freePort } from '../infra/local/cli/util/ports';
import { runAsScript, writeResult } from './results';
import { startOffline, type OfflineProcess } from '../infra/local/cli/offline';
import { makeContext, REPO_ROOT } from '../infra/local/stack/context';
import { sleep } from '../infra/local/stack/proc';
import { stackUp } from '../infra/local/stack/stack';
import { startDashboard } from '../infra/local/dashboard';
import { registerConnector } from '../infra/local/stack/debezium/register';
import { loadavg, machineInfo } from './machine';
import { createBenchBucket } from './pipeline/bucket';
import { createS3Client } from '../functions/shared/s3';
import { changesOf } from '../infra/local/cli/util/burst';
import { TABLE_NAMES } from '../functions/shared/tables';
import { allConsuming, marker, silent, waitDrained, type Rig } from './pipeline/measure';
import { step, type StepResult } from './pipeline/step';
import { overload, type OverloadResult } from './pipeline/overload';
import { pageCheck, type PageCheckResult } from './pipeline/pageCheck';
import { measureCapture, type CaptureResult } from './replay/capture';
import { Kafka, logLevel } from 'kafkajs';
import { pipelineBenchArgs } from './pipeline/args';
import { PIPELINE_METHOD, type PipelineBenchOptions, type PipelineBenchResult } from './pipeline/types';

/** The ramp's extension stops here whatever the capture rate (the deposit load commits ~23k changes/s here). */
const MAX_RAMP = 32_000;

export async function runPipelineBench(opts: PipelineBenchOptions = {}): Promise<PipelineBenchResult> {
  const log = opts.log ?? ((m: string) => console.log(`[bench:pipeline] ${m}`));
  const stepSeconds = opts.stepSeconds ?? 30;
  // The issue's ramp (1k, 2k, 4k, 6k, 8k) plus 5k, the rate its target is set at, and 10k and 12k (issue 28's goal is 10k).
  const rates = opts.rates ?? [1000, 2000, 4000, 5000, 6000, 8000, 10000, 12000];
  const overloadSeconds = opts.overloadSeconds ?? 60;
  // One commit a second: the generator's cost is mostly per iteration (it locks and reads its pool
  // of rows each time), so at 250 ms it could not reach 2k changes/s beside the pipeline on 2 cores.
  const intervalMs = opts.intervalMs ?? 1000;
  const start = loadavg();
  const ctx = makeContext({ quiet: true });
  log('checking the local stack...');
  await stackUp({ ctx: { ...ctx, log: (m) => log(`stack: ${m}`) } });
  const runId = Date.now().toString(36);
  const dir = join(ctx.stackDir, 'bench', runId);
  mkdirSync(dir, { recursive: true });
  const warehousePath = join(dir, 'warehouse.duckdb');
  const s3 = createS3Client(loadSettings());
  const bucket = await createBenchBucket(s3, `bench-${runId}`);
  log(`the run's own bucket: s3://${bucket.name}`);
  const env = {
    WAREHOUSE_PATH: warehousePath,
    MINIO_BUCKET: bucket.name,
    NODE_NO_WARNINGS: '1',
    OFFLINE_HTTP_PORT: String(await freePort()),
    OFFLINE_LAMBDA_PORT: String(await freePort()),
  };
  const configured = loadSettings();
  const inlineSchemas = opts.inlineSchemas ?? configured.DEBEZIUM_INLINE_SCHEMAS === 'true';
  const cfg = loadSettings({ ...process.env, ...env, DEBEZIUM_INLINE_SCHEMAS: String(inlineSchemas) });
  const admin = new Kafka({ brokers: kafkaBrokers(cfg), logLevel: logLevel.NOTHING, clientId: 'bench-pipeline' }).admin();
  await admin.connect();
  const rig: Rig = {
    cfg,
    warehousePath,
    log,
    admin,
    objectsWrittenBetween: (from, to) => bucket.objectsWrittenBetween(from, to),
  };
  if (cfg.DEBEZIUM_INLINE_SCHEMAS !== configured.DEBEZIUM_INLINE_SCHEMAS) {
    log(`values ${inlineSchemas ? 'with inline schemas' : 'schema-less'} for this run: registering the connector that way...`);
    await registerConnector(cfg, () => undefined);
  }
  const params = {
    consumerGroupId: `bench-${runId}`,
    generateSchedule: 'false',
    // A fresh group at LATEST: nothing of the topics' history to replay before the timed windows.
    startingPosition: 'LATEST',
    ...opts.params,
  };
  let capture: CaptureResult | undefined;
  if ((opts.captureChanges ?? 100_000) > 0) {
    // Before the pipeline runs: Debezium alone, as in the replay bench; its records are before the group's LATEST.
    const { from: _from, to: _to, ...c } = await measureCapture(cfg, admin, opts.captureChanges ?? 100_000, log);
    capture = c;
    log(`capture: ${c.changes} records in ${c.seconds}s = ${c.recordsPerSec}/s`);
  }
  const logFile = join(dir, 'offline.log');
  log(`starting sls offline (log ${logFile})...`);
  let offline: OfflineProcess = await startOffline({ root: REPO_ROOT, logFile, env, params });
  // Every group must have joined before the first commit: a fresh group at LATEST skips what came before.
  await allConsuming(logFile, TABLE_NAMES.length, 120_000).catch(async (err: unknown) => {
    await offline.stop();
    throw err;
  });
  const dashboard = opts.withDashboard
    ? await startDashboard({ cfg, ctx: makeContext({ cfg, quiet: true }), port: 0, warehousePath, params })
    : undefined;
  if (dashboard) log(`pipeline page collecting at ${dashboard.url}`);
  const steps: StepResult[] = [];
  let perCustomer = 0;
  let over: OverloadResult | undefined;
  let cold: PipelineBenchResult['cold'];
  let page: PageCheckResult | undefined;
  let error: string | undefined;
  try {
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
    perCustomer = changesOf(warm) / warm.succeeded / 10;
    if ((await waitDrained(rig, await marker(rig, 8), 180_000)) === null) {
      throw new Error(`warm-up rows never reached the warehouse; see ${logFile}`);
    }
    log(`warm-up drained (${(perCustomer * 10).toFixed(0)} changes per default iteration)`);
    const stepOptions = {
      seconds: stepSeconds,
      intervalMs,
      perCustomer,
      windowSeconds: 0.5,
      maxDrainMs: 30_000,
      ...(opts.generatorMax ? { generatorMax: opts.generatorMax } : {}),
    };
    // Past the listed rates the ramp goes on in 4k steps while every step holds and the target is
    // under the capture rate measured above: the highest sustained rate is then a measured ceiling,
    // not the list's last entry.
    const ramp = [...rates];
    for (let i = 0; i < ramp.length; i++) {
      const rate = ramp[i]!;
      const s = await step(rig, { ...stepOptions, target: rate, seed: 100 + i * 10 });
      steps.push(s);
      // Right after the step it repeats, so that both see the same machine and the same warehouse size.
      if (rate === opts.pageCheckRate && s.sustained && !dashboard) {
        await sleep(3000);
        page = await pageCheck(rig, s, { ...stepOptions, seed: 900, params });
      }
      if (!s.sustained) break; // higher rates would only fall further behind
      const next = rate + 4000;
      if (i === ramp.length - 1 && opts.extendRamp !== false && capture && next <= Math.min(capture.recordsPerSec, MAX_RAMP)) {
        ramp.push(next);
      }
      await sleep(3000);
    }
    const best = steps.filter((s) => s.sustained).pop();
    const coldRate = opts.coldRate ?? best?.targetChangesPerSec ?? 0;
    if (coldRate > 0) {
      // Functions restarted: a new process (JIT, DuckDB sessions, encoders, consumer joins all cold),
      // the same groups and warehouse, so it resumes where the last one stopped, as after a deploy.
      await sleep(3000);
      await offline.stop();
      const coldLog = join(dir, 'offline-cold.log');
      log(`cold step: sls offline restarted (log ${coldLog})...`);
      const r0 = Date.now();
      offline = await startOffline({ root: REPO_ROOT, logFile: coldLog, env, params });
      // startOffline returns at the first group consuming; the others may still be warming up or joining.
      await allConsuming(coldLog, TABLE_NAMES.length, 120_000);
      const restartMs = Date.now() - r0;
      const c = await step(rig, { ...stepOptions, target: coldRate, seed: 800, windows: true });
      await sleep(3000);
      log('the cold step again, warm:');
      const w = await step(rig, { ...stepOptions, target: coldRate, seed: 810 });
      const warmAgain = {
        achievedChangesPerSec: w.achievedChangesPerSec,
        latencyMs: w.latencyMs,
        middleThirdMs: w.middleThirdMs,
        sustained: w.sustained,
        verdict: w.verdict,
        ...(w.captureLagMs ? { captureLagMs: w.captureLagMs } : {}),
      };
      cold = { ...c, restartMs, warmAgain };
    }
    if (best && overloadSeconds > 0) {
      await sleep(3000);
      over = await overload(rig, 2 * best.targetChangesPerSec, overloadSeconds);
    }
  } catch (err) {
    error = (err as Error).message;
    log(`FAILED: ${error}`);
  } finally {
    await dashboard?.stop();
    await offline.stop();
    if (cfg.DEBEZIUM_INLINE_SCHEMAS !== configured.DEBEZIUM_INLINE_SCHEMAS) {
      await registerConnector(configured, () => undefined).catch((err: Error) =>
        log(`could not restore the connector: ${err.message}`),
      );
    }
    if (opts.keep) log(`kept ${warehousePath} and s3://${bucket.name}`);
    else {
      rmSync(warehousePath, { force: true });
      rmSync(`${warehousePath}.wal`, { force: true });
      await bucket.remove().catch((err: Error) => log(`could not remove s3://${bucket.name}: ${err.message}`));
    }
    s3.destroy();
    await admin.disconnect().catch(() => undefined);
  }
  const ok = steps.filter((s) => s.sustained);
  const best = ok[ok.length - 1];
  const at1000 = steps.find((s) => s.targetChangesPerSec === 1000);
  const ratioToCapture = best && capture ? Math.round((best.achievedChangesPerSec / capture.recordsPerSec) * 100) / 100 : null;
  const result: PipelineBenchResult = {
    kind: 'pipeline',
    inlineSchemas,
    measuredAt: new Date().toISOString(),
    machine: machineInfo(),
    loadavg: { start, end: loadavg() },
    method: PIPELINE_METHOD,
    params: {
      ...params,
      stepSeconds: String(stepSeconds),
      intervalMs: String(intervalMs),
      ...(opts.withDashboard ? { withDashboard: 'true' } : {}),
    },
    calibration: { changesPerIterationPerCustomer: Math.round(perCustomer * 100) / 100 },
    ...(capture ? { capture } : {}),
    steps,
    ...(cold ? { cold } : {}),
    ...(page ? { pageCheck: page } : {}),
    overload: over,
    headline: {
      maxSustainedChangesPerSec: best?.achievedChangesPerSec ?? 0,
      firstUnsustained: steps.find((s) => !s.sustained)?.targetChangesPerSec ?? null,
      at1000: at1000 ? { p50Ms: at1000.latencyMs.p50, p99Ms: at1000.latencyMs.p99 } : null,
      atMaxSustained: best ? { p50Ms: best.latencyMs.p50, p99Ms: best.latencyMs.p99 } : null,
      ratioToCapture,
      cold: cold
        ? {
            rate: cold.targetChangesPerSec,
            sustained: cold.sustained,
            timeToSteadyMs: cold.timeToSteadyMs ?? null,
            p99Ms: cold.latencyMs.p99,
          }
        : null,
    },
    error,
  };
  return writeResult(opts.out ?? join(__dirname, 'results', `pipeline-${inlineSchemas ? 'inline' : 'schemaless'}.json`), result);
}

if (require.main === module) {
  runAsScript(runPipelineBench(pipelineBenchArgs(process.argv.slice(2))), (r) =>
    console.log(JSON.stringify({ headline: r.headline, capture: r.capture, overload: r.overload, error: r.error }, null, 2)),
  );
}
