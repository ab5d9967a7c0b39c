/**
 * The bounded end-to-end run behind `npm run e2e` and tests/e2e:
 *   1. the local stack up;
 *   2. the functions under `sls offline start` with a fresh consumer group and a fresh warehouse
 *      file, so this run's warehouse is built only from what flowed through the real pipeline
 *      (Postgres -> Debezium -> Kafka -> writeBatch -> MinIO -> loadObject -> DuckDB);
 *   3. K seeded generator iterations;
 *   4. wait until the warehouse's current state equals the source's, exactly;
 *   5. dbt build on that warehouse, then the models are reconciled too.
 */
import { join } from 'node:path';
import { mkdirSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { loadSettings, type Settings } from '../stack/settings';
import { reconcile, type Reconciliation } from '../../../functions/reconcile';
import { connectFromConfig, parseGeneratorOptions, runGenerator } from '../../../functions/generator';
import { changesOf, commitBurst } from './util/burst';
import { pauseConnector, resumeConnector } from '../stack/debezium/control';
import type { GeneratorOptionsInput } from '../../../functions/generator/options';
import { stackUp } from '../stack/stack';
import { makeContext, REPO_ROOT } from '../stack/context';
import { startOffline, type OfflineProcess } from './offline';
import { runDbt } from './dbt';
import { sleep } from '../stack/proc';
import { connectSource } from './util/sourceClient';
import { freePort } from './util/ports';
import { withWarehouse } from './util/warehouse';

export interface E2eOptions {
  iterations: number;
  seed: number;
  /** Generator interval between iterations, ms. */
  intervalMs: number;
  /** How long to wait for the warehouse to catch up. */
  catchUpTimeoutMs: number;
  /** Skip dbt (for quick runs). */
  skipDbt?: boolean;
  /**
   * First commit a burst of at least this many row changes, with the connector paused so that they
   * commit in seconds and reach Kafka as one backlog on resume (then the seeded iterations as
   * usual): the pipeline must catch up from it.
   */
  burst?: number;
  /** More generator options (scale, fillExtraColumns, ...). */
  generator?: Omit<GeneratorOptionsInput, 'iterations' | 'seed' | 'intervalMs'>;
  log?: (m: string) => void;
  /**
   * Continue an earlier run (its consumer group, warehouse file and log) instead of starting a
   * fresh one: the fault tests chain their scenarios on one warehouse so that the topics are
   * replayed from the beginning once per file, not once per scenario.
   */
  runId?: string;
  /** Called while the pipeline runs (fault tests kill things here). */
  duringRun?: (ctx: DuringRunContext) => Promise<void>;
  /** Extra environment and serverless params for sls offline (e.g. OFFLINE_S3=off, sweepRate). */
  offline?: { env?: Record<string, string>; params?: Record<string, string> };
}

export interface DuringRunContext {
  offline: OfflineProcess;
  cfg: Settings;
  /** SIGKILL the sls offline process group and start it again (same group, warehouse, ports, log). */
  restartOffline: () => Promise<void>;
  /** sls offline's log (appended to across restarts). */
  logFile: string;
  warehousePath: string;
}

export interface E2eReport {
  match: boolean;
  runId: string;
  seed: number;
  iterations: number;
  generated: { inserted: number; updated: number; deleted: number };
  /** The burst committed before the seeded run (--burst), if any. */
  burst?: { changes: number; seconds: number };
  /** Why the run is not a match although the warehouse may equal the source (e.g. nothing generated). */
  problems: string[];
  catchUpMs: number;
  raw: Reconciliation;
  dbt?: { ok: boolean; models: Record<string, number>; match: boolean; problems: string[] };
  warehousePath: string;
}

/**
 * The run `npm run e2e` and the e2e test continue by default: its consumer group and warehouse
 * persist under <STACK_DIR>/e2e/main, so each run processes only what changed since the last one,
 * as a long-running pipeline does, instead of replaying every topic from the beginning. The
 * reconciliation still covers the whole source. (`npm run stack -- down --wipe` resets both.)
 */
export const PERSISTENT_RUN = 'main';

export async function runE2e(opts: E2eOptions): Promise<E2eReport> {
  const log = opts.log ?? ((m: string) => console.log(`[e2e] ${m}`));
  const runId = opts.runId ?? newRunId();
  const ctx = makeContext({ quiet: true });
  log('bringing the local stack up...');
  await stackUp({ ctx: { ...ctx, log: (m) => log(`stack: ${m}`) } });

  const dir = join(ctx.stackDir, 'e2e', runId);
  mkdirSync(dir, { recursive: true });
  const warehousePath = join(dir, 'warehouse.duckdb');
  // Free ports of its own, so a developer's running `npm start` (or another run) is no obstacle.
  const env = {
    WAREHOUSE_PATH: warehousePath,
    NODE_NO_WARNINGS: '1',
    OFFLINE_HTTP_PORT: String(await freePort()),
    OFFLINE_LAMBDA_PORT: String(await freePort()),
    ...opts.offline?.env,
  };
  const cfg = loadSettings({ ...process.env, ...env });
  const params = { consumerGroupId: `e2e-${runId}`, generateSchedule: 'false', ...opts.offline?.params };

  const offlineLog = join(dir, 'offline.log');
  log(`starting the functions under sls offline (log ${offlineLog})...`);
  let offline = await startOffline({ root: REPO_ROOT, logFile: offlineLog, env, params });
  const restartOffline = async () => {
    await offline.stop('SIGKILL');
    offline = await startOffline({ root: REPO_ROOT, logFile: offlineLog, env, params });
  };
  // The source is read only once the load is over, on a connection opened then: a Postgres that
  // was killed and restarted during the run (the soak) leaves no dead client behind.
  let pg: Client | undefined;
  let burst: E2eReport['burst'];
  try {
    if (opts.burst) {
      log(`connector paused; committing a burst of >= ${opts.burst} changes...`);
      await pauseConnector(cfg);
      const b0 = Date.now();
      let committed: number;
      try {
        committed = changesOf(await commitBurst(cfg, opts.burst, opts.seed + 1_000_000));
      } finally {
        await resumeConnector(cfg);
      }
      burst = { changes: committed, seconds: Math.round((Date.now() - b0) / 100) / 10 };
      log(`burst: ${committed} changes committed in ${burst.seconds}s; connector resumed`);
    }
    log(`generating ${opts.iterations} iterations with seed ${opts.seed}...`);
    const generation = runGenerator({
      options: parseGeneratorOptions({
        ...opts.generator,
        iterations: opts.iterations,
        seed: opts.seed,
        intervalMs: opts.intervalMs,
      }),
      connect: connectFromConfig(cfg),
      logger: { info() {}, warn: (m) => log(`generator: ${m}`), error: (m) => log(`generator: ${m}`) },
    });
    const during = opts.duringRun?.({ offline, cfg, restartOffline, logFile: offlineLog, warehousePath });
    // Awaited after the generation; marked handled now so an early failure is not an unhandled rejection meanwhile.
    during?.catch(() => undefined);
    const summary = await generation;
    await during;
    const generated = {
      inserted: sumCounts(summary.totals, 'inserted'),
      updated: sumCounts(summary.totals, 'updated'),
      deleted: sumCounts(summary.totals, 'deleted'),
    };
    log(`generated ${JSON.stringify(generated)} in ${summary.succeeded} iterations (${summary.failed} failed)`);
    const problems = generationProblems(generated, summary);

    // Caught up = the warehouse's current state equals the source's, exactly.
    const source = await connectSource(cfg, log);
    pg = source;
    const t0 = Date.now();
    let raw: Reconciliation | undefined;
    for (;;) {
      raw = await withWarehouse(warehousePath, (db) => reconcile(source, db)).catch((err: Error) => {
        if (/does not exist|Catalog Error|No such file/i.test(err.message)) return undefined; // nothing loaded yet
        throw err;
      });
      if (raw?.match) break;
      if (Date.now() - t0 > opts.catchUpTimeoutMs) break;
      if (raw)
        log(
          `waiting for the warehouse: source ${JSON.stringify(raw.source.rows)}, warehouse ${JSON.stringify(raw.warehouse.rows)}`,
        );
      await sleep(3000);
    }
    const catchUpMs = Date.now() - t0;
    if (!raw) throw new Error(`nothing reached the warehouse in ${opts.catchUpTimeoutMs / 1000}s; see ${offlineLog}`);
    log(raw.match ? `warehouse caught up in ${(catchUpMs / 1000).toFixed(1)}s: exact match` : 'warehouse did NOT catch up');
    for (const t of raw.truncations)
      log(`source table ${t.table} was TRUNCATEd at ${t.at} (LSN ${t.lsn}): not replicated, the warehouse keeps its rows`);

    // The loader must let go of the file before dbt writes to it.
    await offline.stop();
    let dbt: E2eReport['dbt'];
    if (!opts.skipDbt && raw.match) {
      log('dbt build --target local...');
      const res = await runDbt(ctx, ['build', '--target', 'local'], { WAREHOUSE_PATH: warehousePath });
      dbt = { ok: res.ok, ...(await reconcileModels(source, warehousePath)) };
      if (!res.ok) dbt.problems.unshift(`dbt build failed:\n${res.tail}`);
      log(dbt.ok && dbt.match ? 'dbt build passed and the models reconcile' : `dbt: ${dbt.problems.join('; ')}`);
    }
    if (problems.length) log(`NOT a match: ${problems.join('; ')}`);
    return {
      match: problems.length === 0 && raw.match && (dbt === undefined || (dbt.ok && dbt.match)),
      runId,
      seed: opts.seed,
      iterations: opts.iterations,
      generated,
      ...(burst ? { burst } : {}),
      problems,
      catchUpMs,
      raw,
      ...(dbt ? { dbt } : {}),
      warehousePath,
    };
  } finally {
    await pg?.end().catch(() => undefined);
    await offline.stop();
  }
}

/** An empty source equals an empty warehouse: that proves nothing, so a run that generated nothing fails. */
export function generationProblems(
  generated: E2eReport['generated'],
  iterations: { succeeded: number; failed: number },
): string[] {
  if (generated.inserted + generated.updated + generated.deleted > 0) return [];
  return [`the generator produced nothing (${iterations.succeeded} iterations succeeded, ${iterations.failed} failed)`];
}

export function newRunId(): string {
  return `${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
}

function sumCounts(totals: unknown, kind: 'inserted' | 'updated' | 'deleted'): number {
  // totals: { inserted: {customers, accounts, transactions}, ... }
  const t = (totals as Record<string, Record<string, number>>)[kind] ?? {};
  return Object.values(t).reduce((a, b) => a + b, 0);
}

/** The dbt models agree with the source: the current state, the dims' current versions, the facts, balances. */
async function reconcileModels(
  pg: Client,
  warehousePath: string,
): Promise<{ models: Record<string, number>; match: boolean; problems: string[] }> {
  const pgOne = async (sql: string) => String((await pg.query(sql)).rows[0].v);
  const [customers, accounts, transactions] = await Promise.all(
    ['customers', 'accounts', 'transactions'].map(async (t) => Number(await pgOne(`SELECT count(*) AS v FROM ${t}`))),
  );
  const balance = await pgOne('SELECT coalesce(sum(balance),0)::numeric(20,2)::text AS v FROM accounts');
  const [rows, sum] = ['count(*)', 'CAST(CAST(coalesce(sum(balance),0) AS DECIMAL(20,2)) AS VARCHAR)'];
  // [figure, of what, model, which rows, the source's]; the fact keeps deleted transactions, flagged, so history stays
  const checks: Array<[string, string, string, string, number | string]> = [
    ['int_customers_current', rows, 'int_customers_current', 'true', customers!],
    ['int_accounts_current', rows, 'int_accounts_current', 'true', accounts!],
    ['int_transactions_current', rows, 'int_transactions_current', 'true', transactions!],
    ['dim_customers_current', rows, 'dim_customers', 'is_current', customers!],
    ['dim_accounts_current', rows, 'dim_accounts', 'is_current', accounts!],
    ['fact_transactions', rows, 'fact_transactions', 'NOT is_deleted', transactions!],
    ['int_accounts_current balances', sum, 'int_accounts_current', 'true', balance],
    ['dim_accounts current balances', sum, 'dim_accounts', 'is_current', balance],
  ];
  return withWarehouse(warehousePath, async (db) => {
    const one = async (sql: string) => String((await db.runAndReadAll(sql)).getRows()[0]![0]);
    const models: Record<string, number> = {};
    const problems: string[] = [];
    for (const [name, what, model, where, want] of checks) {
      const schema = await one(
        `SELECT table_schema FROM information_schema.tables WHERE table_name = '${model}' ORDER BY table_schema LIMIT 1`,
      );
      const value = await one(`SELECT ${what} FROM ${schema}.${model} WHERE ${where}`);
      const got = typeof want === 'number' ? Number(value) : value;
      if (typeof got === 'number') models[name] = got;
      if (got !== want) problems.push(`${name} ${got} != source ${want}`);
    }
    return { models, match: problems.length === 0, problems };
  });
}

/** Remove old e2e run folders (warehouse files, logs), keeping the newest `keep`. */
export function pruneRuns(stackDir: string, keep = 3): void {
  const { readdirSync } = require('node:fs') as typeof import('node:fs');
  const base = join(stackDir, 'e2e');
  let runs: string[] = [];
  try {
    runs = readdirSync(base).sort();
  } catch {
    return;
  }
  runs = runs.filter((r) => r !== PERSISTENT_RUN);
  for (const r of runs.slice(0, Math.max(0, runs.length - keep))) rmSync(join(base, r), { recursive: true, force: true });
}
