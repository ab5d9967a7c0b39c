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
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { runE2e, type DuringRunContext } from '../infra/local/cli/e2e-run';
import { runVerify, type VerifyReport } from '../infra/local/cli/verify-run';
import { defaultAuditLog } from '../infra/local/cli/verify-run';
import { makeContext, REPO_ROOT } from '../infra/local/stack/context';
import { isAlive, sleep } from '../infra/local/stack/proc';
import { stackUp } from '../infra/local/stack/stack';
import { kafkaBrokers, loadSettings, type Settings } from '../infra/local/stack/settings';
import { parseDuration } from '../functions/generator/options';
import { fallbackGroups } from '../infra/local/dashboard/consumerGroups';
import { readKafka } from '../infra/local/dashboard/kafka';
import { seededRandom } from './fixtures/seededRandom';
import { dbtBin } from '../infra/local/stack/python';
import { registerConnector } from '../infra/local/debezium/register';
import { SLOT } from '../infra/local/debezium/connector-config';
import { connectSource } from '../infra/local/cli/util/sourceClient';
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

/** kill -9 Postgres's postmaster (its pid file's first line); the backends die with it. */
async function killPostgres(cfg: Settings): Promise<number> {
  const ctx = makeContext({ quiet: true, cfg });
  const pid = Number(readFileSync(join(ctx.stackDir, 'postgres', 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
  return pid;
}

/**
 * Start `dbt build` on the warehouse the loaders are writing and kill -9 it once it is building
 * (or after 60 s); resolves with what it had printed. dbt finding the file locked is the ordinary
 * case Airflow's runner retries; what matters is that the pipeline and the file survive the kill.
 */
async function killDbt(c: DuringRunContext, mark: () => void): Promise<string> {
  const ctx = makeContext({ quiet: true, cfg: c.cfg });
  const dbtDir = join(ctx.root, 'dbt');
  const child = spawn(await dbtBin(ctx), ['build', '--target', 'local'], {
    cwd: dbtDir,
    env: { ...process.env, WAREHOUSE_PATH: c.warehousePath, DBT_PROFILES_DIR: dbtDir, BANKING_REPO_ROOT: ctx.root },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const started = new Promise<void>((resolve) => {
    const on = (b: Buffer) => {
      out += b.toString();
      if (/ START |Concurrency/.test(out)) resolve();
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    setTimeout(resolve, 60_000);
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await Promise.race([started, exited]);
  mark();
  child.kill('SIGKILL');
  await exited;
  return (
    out
      .split('\n')
      .filter((l) => l.trim())
      .slice(-1)[0] ?? ''
  );
}

async function captureResumed(cfg: Settings): Promise<void> {
  const pg = await connectSource(cfg);
  try {
    const lsn = (await pg.query<{ l: string }>('SELECT pg_current_wal_insert_lsn()::text AS l')).rows[0]!.l;
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      const r = await pg.query<{ ok: boolean }>(
        'SELECT confirmed_flush_lsn >= $1::pg_lsn AS ok FROM pg_replication_slots WHERE slot_name = $2',
        [lsn, SLOT],
      );
      if (r.rows[0]?.ok) return;
      await registerConnector(cfg, (m) => log(m), { waitRunningMs: 5_000 }).catch(() => undefined);
      await sleep(1000);
    }
    throw new Error(`capture did not resume within 180 s after Postgres came back`);
  } finally {
    await pg.end().catch(() => undefined);
  }
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
    if (stage === 'postgres') await captureResumed(c.cfg);
  };

  const during = async (c: DuringRunContext) => {
    const admin = kafka.admin();
    await admin.connect();
    const t0 = Date.now();
    try {
      for (let i = 0; i < kills; i++) {
        const wait = moments[i]! - (Date.now() - t0);
        if (wait > 0) await sleep(wait);
        const stage = order[i]!;
        const before = (await totalLag(admin, c.cfg)) ?? 0;
        let k0 = Date.now();
        try {
          await killOne(stage, c, () => (k0 = Date.now()));
        } catch (e) {
          log(`kill ${i + 1} (${stage}) failed: ${(e as Error).message}`);
          continue;
        }
        killed[stage]++;
        // Back to steady: lag at or under its level before the kill (some slack for the load's own jitter).
        const steady = Math.max(before * 1.5, 200);
        for (;;) {
          const lag = await totalLag(admin, c.cfg);
          if (lag !== undefined && lag <= steady) break;
          if (Date.now() - k0 > 300_000) break;
          await sleep(500);
        }
        const s = (Date.now() - k0) / 1000;
        recoveries.push(s);
        log(`kill ${i + 1}/${kills}: ${stage}, lag before ${before}, back to steady in ${s.toFixed(1)}s`);
      }
    } finally {
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
    manifestsVerified: 0,
    recoveryP50S: percentile(recoveries, 50),
    recoveryP99S: percentile(recoveries, 99),
    recoveriesS: recoveries,
    commit: execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim(),
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
