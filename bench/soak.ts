/**
 * npm run soak -- --minutes M --kills K [--seed S] [--interval 500ms]
 *
 * A steady load (the seeded generator, through infra/local/cli/e2e-run's pipeline run under sls offline)
 * while kill -9 hits the stages at seeded random moments, cycling through them so each is hit:
 * the writer and the loader (sls offline, killed while a writeBatch / loadObject is in flight; in
 * sls offline they are worker threads of one process), Kafka Connect, Kafka, Postgres, MinIO and a
 * `dbt build` on the live warehouse (killed once it has started its models, as Airflow's would be).
 * After each kill: the stage is brought back (sls offline restarted, the stack's services by
 * stackUp) and the time until Kafka lag is back to its level before the kill is measured. At the
 * end: the run's exact reconciliation, then `npm run verify` at a watermark, into
 * bench/results/soak.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { runE2e, type DuringRunContext } from '../infra/local/cli/e2e-run';
import { runVerify, type VerifyReport } from '../infra/local/cli/verify-run';
import { defaultAuditLog } from '../infra/local/cli/verify-run';
import { makeContext, REPO_ROOT } from '../infra/local/stack/context';
import { sleep } from '../infra/local/stack/proc';
import { stackUp } from '../infra/local/stack/stack';
import { kafkaBrokers, loadSettings, type Settings } from '../infra/local/stack/settings';
import { parseDuration } from '../functions/generator/options';
import { fallbackGroups } from '../infra/local/dashboard/consumerGroups';
import { readKafka } from '../infra/local/dashboard/kafka';
import { seededRandom } from './fixtures/seededRandom';
import { captureResumed, killDbt, killPostgres } from './soak/kills';
import { fileSize, killService, readSlice, redriveLostNotifications, storedKeys, waitForLine } from '../tests/faults/support';

export const STAGES = ['writer', 'loader', 'connect', 'kafka', 'postgres', 'minio', 'dbt'] as const;
type Stage = (typeof STAGES)[number];

const RUN_ID = 'soak';
const log = (m: string) => console.log(`[soak] ${new Date().toISOString().slice(11, 19)} ${m}`);

function percentile(xs: number[], p: number): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

async function totalLag(admin: Admin, cfg: Settings): Promise<number | undefined> {
  try {
    const k = await readKafka(admin, fallbackGroups(cfg, { consumerGroupId: `e2e-${RUN_ID}` }));
    return k.partitions.reduce((a, p) => a + p.lag, 0);
  } catch {
    return undefined; // Kafka down or restarting
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '5' },
      kills: { type: 'string', default: '12' },
      seed: { type: 'string', default: '25' },
      interval: { type: 'string', default: '500ms' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('usage: npm run soak -- --minutes M --kills K [--seed S] [--interval 500ms]');
    return 0;
  }
  // The commit the soak started from (the code sls offline reloads after each kill is the tree's).
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  const minutes = Number(values.minutes);
  const kills = Number(values.kills);
  const seed = Number(values.seed);
  const intervalMs = parseDuration(values.interval!);
  const durationMs = minutes * 60_000;
  const random = seededRandom(seed);
  // Kill moments: seeded, spread over the run, leaving the last 15% for the last recovery.
  const moments = Array.from({ length: kills }, () => Math.round(durationMs * (0.05 + random() * 0.8))).sort((a, b) => a - b);
  const order = Array.from({ length: kills }, (_, i) => STAGES[i % STAGES.length]!).sort(() => random() - 0.5);
  const killed: Record<Stage, number> = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  const recoveries: number[] = [];
  /** The same recoveries by the stage killed, to see which restart sets the tail. */
  const byStage: Record<string, number[]> = {};
  const cfg = loadSettings();
  const ctx = makeContext({ quiet: true, cfg });
  const kafka = new Kafka({ clientId: 'soak', brokers: kafkaBrokers(cfg), logLevel: logLevel.NOTHING });
  log(`seed ${seed}: ${kills} kills over ${minutes} min at ${moments.map((m) => `${Math.round(m / 1000)}s`).join(', ')}`);

  /** Kill and bring back one stage; `mark` is called at the kill itself (the recovery clock starts there). */
  const killOne = async (stage: Stage, c: DuringRunContext, mark: () => void) => {
    if (stage === 'writer' || stage === 'loader') {
      const re = stage === 'writer' ? /"message":"batch stored"/ : /"message":"loaded object"|loadObject/;
      const from = fileSize(c.logFile);
      await waitForLine(c.logFile, from, re, 20_000).catch(() => undefined); // aim at a call in flight; kill anyway
      mark();
      await c.restartOffline();
      // The S3 notifications that died with the process: re-driven (what the restarted sweep also does).
      const keys = storedKeys(readSlice(c.logFile, from, fileSize(c.logFile)));
      await redriveLostNotifications(c.cfg, c.warehousePath, keys).catch((e: Error) => log(`re-drive: ${e.message}`));
      return;
    }
    if (stage === 'dbt') {
      log(`dbt killed after: ${await killDbt(c, mark)}`);
      return;
    }
    mark();
    if (stage === 'postgres') await killPostgres(c.cfg);
    else await killService(c.cfg, stage);
    await stackUp({ ctx: { ...makeContext({ quiet: true, cfg: c.cfg }), log: () => undefined } });
    // Debezium's task can fail for good a little after the database came back ("Failed to create
    // TypeRegistry"), when stackUp has already seen it RUNNING: wait until capture has resumed
    // (the slot confirms a position taken now), restarting a FAILED task meanwhile.
    if (stage === 'postgres') await captureResumed(c.cfg, log);
  };

  /**
   * Kills follow their seeded schedule: the next kill waits until the last stage killed is back (its
   * restart returned), not until lag has drained, or a 30-minute soak could not hold 100 kills on a
   * loaded machine (a restart of sls offline alone took ~30 s there, recovery ~43 s). Each kill's
   * recovery is watched on its own: from the kill until total lag is back at or under the steady
   * level measured before it (or, if an earlier kill had not recovered yet, before that one). A kill
   * made while an earlier one was still recovering is counted as overlapped.
   */
  let overlapped = 0;
  /** The machine's 1-minute load average at each kill (other sessions share it). */
  const loads: number[] = [];
  const during = async (c: DuringRunContext) => {
    const admin = kafka.admin();
    await admin.connect();
    const t0 = Date.now();
    const open: Array<{ i: number; stage: Stage; k0: number; threshold: number; done: () => void }> = [];
    let stop = false;
    // One poll of lag serves every kill still recovering.
    const poller = (async () => {
      while (!stop || open.length) {
        const lag = await totalLag(admin, c.cfg);
        for (const w of [...open]) {
          const over = Date.now() - w.k0 > 300_000;
          if ((lag !== undefined && lag <= w.threshold) || over) {
            const secs = (Date.now() - w.k0) / 1000;
            recoveries.push(secs);
            (byStage[w.stage] ??= []).push(secs);
            open.splice(open.indexOf(w), 1);
            log(
              `kill ${w.i + 1}/${kills}: ${w.stage}, back to steady (lag ${lag ?? '?'} <= ${w.threshold}) in ${secs.toFixed(1)}s${over ? ' (gave up at 300 s)' : ''}`,
            );
            w.done();
          }
        }
        await sleep(500);
      }
    })();
    let steady = 0;
    try {
      for (let i = 0; i < kills; i++) {
        const wait = moments[i]! - (Date.now() - t0);
        if (wait > 0) await sleep(wait);
        const stage = order[i]!;
        const before = (await totalLag(admin, c.cfg)) ?? 0;
        loads.push(os.loadavg()[0]!);
        if (open.length === 0) steady = before;
        else overlapped++;
        let k0 = Date.now();
        try {
          await killOne(stage, c, () => (k0 = Date.now()));
        } catch (e) {
          log(`kill ${i + 1} (${stage}) failed: ${(e as Error).message}`);
          continue;
        }
        killed[stage]++;
        log(
          `kill ${i + 1}/${kills}: ${stage} at ${Math.round((k0 - t0) / 1000)}s (scheduled ${Math.round(moments[i]! / 1000)}s), back up after ${((Date.now() - k0) / 1000).toFixed(1)}s; lag before ${before}${open.length ? `, ${open.length} earlier kill(s) still recovering` : ''}`,
        );
        // Back to steady: lag at or under its level before the kill (some slack for the load's own jitter).
        open.push({ i, stage, k0, threshold: Math.max(steady * 1.5, 200), done: () => undefined });
      }
    } finally {
      stop = true;
      await poller;
      await admin.disconnect();
    }
  };

  const report = await runE2e({
    runId: RUN_ID,
    seed,
    iterations: Math.max(1, Math.round(durationMs / intervalMs)),
    intervalMs,
    catchUpTimeoutMs: 600_000,
    skipDbt: true,
    log: (m) => log(m),
    duringRun: during,
  });
  log('verify at a watermark...');
  let verify: VerifyReport | undefined;
  try {
    verify = await runVerify({
      cfg,
      warehousePath: report.warehousePath,
      group: `e2e-${RUN_ID}`,
      auditLog: defaultAuditLog(ctx.stackDir),
      timeoutMs: 300_000,
      log,
    });
  } catch (e) {
    log(`verify could not run: ${(e as Error).message}`);
  }
  const missing = Object.values(report.raw.diff).reduce((a, d) => a + d.missing, 0);
  const extra = Object.values(report.raw.diff).reduce((a, d) => a + d.extra + d.different, 0);
  const result = {
    minutes,
    seed,
    kills: killed,
    killsTotal: Object.values(killed).reduce((a, b) => a + b, 0),
    changes: report.generated.inserted + report.generated.updated + report.generated.deleted,
    missing,
    doubled: verify?.doubled ?? null,
    differentOrExtra: extra,
    driftCents: verify ? Number(verify.driftCents) : null,
    verifyOk: verify?.ok ?? false,
    reconcileMatch: report.match,
    manifestsVerified: verify?.manifestsVerified ?? 0,
    manifestsUnverified: verify?.manifestsUnverified ?? null,
    manifestMismatches: verify?.manifestMismatches ?? null,
    objectsLedgered: verify?.objectsChecked ?? null,
    killsOverlapped: overlapped,
    loadAverage1mAtKills: {
      mean: Math.round((loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length)) * 10) / 10,
      max: Math.round(Math.max(0, ...loads) * 10) / 10,
    },
    cpus: os.cpus().length,
    recoveryP50S: percentile(recoveries, 50),
    recoveryP99S: percentile(recoveries, 99),
    recoveriesS: recoveries,
    recoveryByStageS: Object.fromEntries(
      Object.entries(byStage).map(([stage, r]) => [stage, { n: r.length, p50: percentile(r, 50), max: Math.max(...r) }]),
    ),
    commit,
  };
  mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(REPO_ROOT, 'bench', 'results', 'soak.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  return result.verifyOk && report.match && missing === 0 && result.doubled === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[soak] ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(2);
  },
);
