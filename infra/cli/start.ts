/**
 * npm start: the whole pipeline, locally, until Ctrl-C.
 *
 *   1. the native stack up, Airflow included (what was already running is left as it is);
 *   2. `sls offline start` with the default ports, consumer group and warehouse file: the generator
 *      on its schedule, the Kafka event source feeding writeBatch, MinIO's events feeding loadObject;
 *   3. a progress line every few seconds: generated -> captured -> written -> loaded -> modelled, and
 *      the lag between a Postgres commit and its visibility in the warehouse.
 *
 * Ctrl-C stops sls offline and the stack services this run started (never ones that were running
 * before: the stack may be shared). A second Ctrl-C stops waiting and exits at once.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { Client } from 'pg';
import { kafkaBrokers, loadConfig, type Config } from '../../functions/shared/config';
import { consumerGroupFor } from '../../functions/shared/consumerGroups';
import { TABLE_NAMES, topicFor } from '../../functions/shared/tables';
import { makeContext, REPO_ROOT } from '../stack/context';
import { portOpen, sleep } from '../stack/proc';
import { optionalServices, stackUpDetailed, stopServices, StackError, CORE_SERVICES } from '../stack/stack';
import type { Service, StackContext } from '../stack/service';
import { pgClient, withWarehouse } from './e2e-run';
import { startOffline, type OfflineProcess } from './offline';

const PROGRESS_EVERY_MS = 5000;

const say = (m: string) => console.log(`[start] ${m}`);
const ts = () => new Date().toISOString().slice(11, 19);

interface Snapshot {
  generated?: number;
  captured?: number;
  written?: number;
  loaded?: number;
  /** Rows of the dbt fact table, once dbt has built it. */
  fact?: number;
  /** The last banking_dbt run in Airflow. */
  dbtRun?: string;
  lag?: string;
}

/** Source rows now (current state, not changes: what a user of the bank would count). */
async function sourceRows(pg: Client): Promise<number> {
  const r = await pg.query<{ n: string }>(
    'SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM accounts) + (SELECT count(*) FROM transactions) AS n',
  );
  return Number(r.rows[0]!.n);
}

async function kafkaCounts(admin: Admin, cfg: Config): Promise<{ captured: number; written: number }> {
  const topics = TABLE_NAMES.map((t) => topicFor(t, cfg.KAFKA_TOPIC_PREFIX));
  let captured = 0;
  for (const topic of topics) {
    // End offset minus low watermark: changes Debezium has put in the topic (retention aside).
    for (const p of await admin.fetchTopicOffsets(topic)) captured += Number(p.high) - Number(p.low);
  }
  let written = 0;
  // The writer commits a partition's offset only after its Parquet object is in MinIO; each
  // topic has a consumer group of its own.
  for (const table of TABLE_NAMES) {
    const groupId = consumerGroupFor(cfg.KAFKA_GROUP, table);
    for (const t of await admin.fetchOffsets({ groupId, topics: [topicFor(table, cfg.KAFKA_TOPIC_PREFIX)] })) {
      for (const p of t.partitions) if (Number(p.offset) > 0) written += Number(p.offset);
    }
  }
  return { captured, written };
}

/** RAW change rows, the lag of recent rows, and the dbt fact table if dbt has built it. */
async function warehouseCounts(path: string): Promise<{ loaded: number; lag: string; fact?: number }> {
  return withWarehouse(
    path,
    async (db) => {
      const one = async (sql: string) => (await db.runAndReadAll(sql)).getRows()[0]!;
      let loaded = 0;
      for (const t of TABLE_NAMES) loaded += Number((await one(`SELECT count(*) FROM raw.${t}`))[0]);
      // p50 of the last minute's loads: commit -> visible in RAW.
      const union = TABLE_NAMES.map((t) => `SELECT _loaded_at, _source_ts_ms FROM raw.${t}`).join(' UNION ALL ');
      const [p50, newest] = await one(
        `SELECT quantile_cont(epoch_ms(_loaded_at) - _source_ts_ms, 0.5), epoch_ms(now()) - max(_source_ts_ms)
           FROM (${union}) WHERE _loaded_at > now() - INTERVAL 60 SECOND`,
      );
      const lag =
        p50 === null || p50 === undefined
          ? 'no loads in the last minute'
          : `p50 ${(Number(p50) / 1000).toFixed(1)}s (newest row committed ${(Number(newest) / 1000).toFixed(0)}s ago)`;
      let fact: number | undefined;
      const schema = (
        await db.runAndReadAll(
          `SELECT table_schema FROM information_schema.tables WHERE table_name = 'fact_transactions' LIMIT 1`,
        )
      ).getRows()[0];
      if (schema) fact = Number((await one(`SELECT count(*) FROM ${String(schema[0])}.fact_transactions`))[0]);
      return { loaded, lag, ...(fact !== undefined ? { fact } : {}) };
    },
    // The loader (and dbt) write to this file: give up soon and show the last value instead.
    3000,
  );
}

/** Airflow 3 REST API: the last banking_dbt run's state (JWT from /auth/token with the admin login). */
async function lastDbtRun(cfg: Config): Promise<string | undefined> {
  const base = `http://127.0.0.1:${cfg.AIRFLOW_PORT}`;
  const tok = await fetch(`${base}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: cfg.AIRFLOW_ADMIN_USER, password: cfg.AIRFLOW_ADMIN_PASSWORD }),
    signal: AbortSignal.timeout(2000),
  });
  if (!tok.ok) return undefined;
  const { access_token } = (await tok.json()) as { access_token?: string };
  const res = await fetch(`${base}/api/v2/dags/banking_dbt/dagRuns?order_by=-start_date&limit=1`, {
    headers: { authorization: `Bearer ${access_token}` },
    signal: AbortSignal.timeout(2000),
  });
  if (!res.ok) return undefined;
  const body = (await res.json()) as { dag_runs?: { state?: string; start_date?: string }[] };
  const run = body.dag_runs?.[0];
  return run
    ? `banking_dbt ${run.state}${run.start_date ? ` (${run.start_date.slice(11, 19)}Z)` : ''}`
    : 'banking_dbt: no runs yet';
}

function line(s: Snapshot): string {
  const n = (x: number | undefined) => (x === undefined ? '?' : x.toLocaleString('en-US'));
  const modelled = [s.fact !== undefined ? `fact_transactions ${n(s.fact)}` : 'no dbt models yet', s.dbtRun ?? '']
    .filter(Boolean)
    .join(', ');
  return (
    `${ts()}  source rows ${n(s.generated)} | captured ${n(s.captured)} | written ${n(s.written)} | ` +
    `loaded ${n(s.loaded)} | modelled: ${modelled} | lag ${s.lag ?? '?'}`
  );
}

function printWhere(ctx: StackContext, cfg: Config, offlineLog: string, services: Service[]): void {
  const rel = (p: string) => relative(process.cwd(), p) || p;
  say('running. Where things are:');
  console.log(`  functions (sls offline) log  ${rel(offlineLog)}`);
  for (const s of services) console.log(`  ${s.name.padEnd(28)} ${rel(s.logFile(ctx))}`);
  console.log(
    `  MinIO console                http://127.0.0.1:${cfg.MINIO_CONSOLE_PORT}  (login ${cfg.MINIO_ROOT_USER} / MINIO_ROOT_PASSWORD)`,
  );
  console.log(`  Kafka Connect REST           ${cfg.KAFKA_CONNECT_URL}/connectors/${cfg.DEBEZIUM_CONNECTOR_NAME}/status`);
  console.log(
    `  Airflow                      http://127.0.0.1:${cfg.AIRFLOW_PORT}  (login ${cfg.AIRFLOW_ADMIN_USER} / AIRFLOW_ADMIN_PASSWORD)`,
  );
  console.log(`  warehouse (DuckDB)           ${rel(warehouseFile(ctx, cfg))}`);
  console.log(
    `  Postgres                     postgresql://${cfg.POSTGRES_USER}@${cfg.POSTGRES_HOST}:${cfg.POSTGRES_PORT}/${cfg.POSTGRES_DB}`,
  );
  say(
    `progress every ${PROGRESS_EVERY_MS / 1000}s (source rows: customers+accounts+transactions now; captured: changes in Kafka; written: changes the writer committed to MinIO; loaded: RAW change rows). Ctrl-C stops.`,
  );
}

function warehouseFile(ctx: StackContext, cfg: Config): string {
  // Unset WAREHOUSE_PATH means "the stack's warehouse": <STACK_DIR>/warehouse/banking.duckdb, which
  // is the config default for the default stack, and keeps a second stack (STACK_DIR=...) apart.
  if (!process.env.WAREHOUSE_PATH) return join(ctx.stackDir, 'warehouse', 'banking.duckdb');
  // Relative paths are resolved by the functions from the repository root (sls offline's cwd).
  return isAbsolute(cfg.WAREHOUSE_PATH) ? cfg.WAREHOUSE_PATH : resolve(ctx.root, cfg.WAREHOUSE_PATH);
}

// The AWS SDK warns about Node 20 on every client it builds: noise in a progress display.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'NodeVersionSupportWarning') console.warn(`[start] ${w.name}: ${w.message}`);
});

async function main(): Promise<number> {
  const cfg = loadConfig();
  const ctx = makeContext({ cfg });
  const services = [...CORE_SERVICES, ...optionalServices()];

  let stopping = false;
  let requestStop: () => void = () => undefined;
  let offline: OfflineProcess | undefined;
  let started: Service[] = [];
  const stopAll = async (): Promise<void> => {
    if (offline) {
      say('stopping sls offline...');
      await offline.stop();
    }
    if (started.length) {
      say(`stopping the services this run started: ${started.map((s) => s.name).join(', ')}`);
      await stopServices(started, ctx);
    }
    const kept = services.filter((s) => !started.includes(s)).map((s) => s.name);
    if (kept.length) say(`left running (they were running before npm start): ${kept.join(', ')}`);
  };
  const stopped = new Promise<void>((resolveStop) => {
    requestStop = () => {
      stopping = true;
      resolveStop();
    };
    let firstAt = 0;
    process.on('SIGINT', () => {
      // A terminal's Ctrl-C reaches this process directly and again relayed by npm and tsx: a
      // repeat within a second is the same keypress, not the second Ctrl-C that forces.
      if (stopping && Date.now() - firstAt < 1500) return;
      if (stopping) {
        say('second Ctrl-C: exiting now; whatever is still stopping may be left running (npm run stack -- status)');
        process.exit(130);
      }
      stopping = true;
      firstAt = Date.now();
      console.log('');
      say('Ctrl-C: stopping what npm start started (Ctrl-C again to force)...');
      resolveStop();
    });
    process.on('SIGTERM', () => requestStop());
  });

  say('bringing the local stack up, Airflow included (first run downloads and builds; later runs take seconds)...');
  try {
    const up = await stackUpDetailed({ withAirflow: true, ctx });
    started = up.started;
  } catch (err) {
    // A failing service may have come after ones this run started: stop those, report the failure.
    if (err instanceof StackError) console.error(`[start] ${err.message}`);
    await stopAll();
    throw err;
  }
  if (!optionalServices().length) say('Airflow service not available in this checkout: running without it');
  if (stopping) {
    await stopAll();
    return 130;
  }

  const offlineLog = join(ctx.stackDir, 'functions', 'offline.log');
  // startOffline takes an open Lambda port as "ready": a port someone else holds would fool it.
  for (const [port, variable] of [
    [cfg.OFFLINE_HTTP_PORT, 'OFFLINE_HTTP_PORT'],
    [cfg.OFFLINE_LAMBDA_PORT, 'OFFLINE_LAMBDA_PORT'],
  ] as const) {
    if (await portOpen(port)) {
      console.error(`[start] port ${port} is in use (another sls offline or npm start?); stop it or set ${variable} in .env`);
      await stopAll();
      return 1;
    }
  }
  say(
    `starting the functions: sls offline start on :${cfg.OFFLINE_HTTP_PORT} (Lambda API :${cfg.OFFLINE_LAMBDA_PORT}), consumer groups ${cfg.KAFKA_GROUP}-<table>...`,
  );
  try {
    offline = await startOffline({
      root: REPO_ROOT,
      logFile: offlineLog,
      env: { NODE_NO_WARNINGS: '1', WAREHOUSE_PATH: warehouseFile(ctx, cfg) },
    });
  } catch (err) {
    console.error(`[start] ${(err as Error).message}`);
    await stopAll();
    return 1;
  }
  offline.child.once('exit', (code, signal) => {
    if (!stopping) {
      say(`sls offline exited unexpectedly (${signal ?? `code ${code}`}); see ${offlineLog}. Stopping.`);
      requestStop();
    }
  });
  printWhere(ctx, cfg, offlineLog, services);

  const kafka = new Kafka({ clientId: 'npm-start-progress', brokers: kafkaBrokers(cfg), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const pg = pgClient(cfg);
  const snap: Snapshot = {};
  const whPath = warehouseFile(ctx, cfg);
  const progress = async () => {
    await Promise.all([
      pg
        .connect()
        .then(() => undefined)
        .catch(() => undefined),
      admin.connect().catch(() => undefined),
    ]);
    while (!stopping) {
      // Each figure on its own: one slow or failing source keeps its last value, the rest go on.
      await Promise.all([
        sourceRows(pg).then(
          (n) => (snap.generated = n),
          () => undefined,
        ),
        kafkaCounts(admin, cfg).then(
          (k) => Object.assign(snap, k),
          () => undefined,
        ),
        (async () => {
          if (!existsSync(whPath)) return void (snap.lag = 'warehouse not created yet');
          const w = await warehouseCounts(whPath).catch(() => undefined); // busy: keep the last values
          if (!w) {
            if (snap.loaded === undefined) snap.lag = 'warehouse busy (a loader or dbt holds the file)';
            return;
          }
          snap.loaded = w.loaded;
          snap.lag = w.lag;
          if (w.fact !== undefined) snap.fact = w.fact;
        })(),
        lastDbtRun(cfg).then(
          (r) => void (snap.dbtRun = r ?? 'Airflow not answering'),
          () => void (snap.dbtRun = 'Airflow not answering'),
        ),
      ]);
      if (!stopping) console.log(line(snap));
      for (let i = 0; i < PROGRESS_EVERY_MS / 250 && !stopping; i++) await sleep(250);
    }
  };
  const loop = progress();
  await stopped;
  await loop.catch(() => undefined);
  await Promise.allSettled([admin.disconnect(), pg.end()]);
  await stopAll();
  say('stopped.');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (!(err instanceof StackError)) console.error('[start] unexpected error:', err);
    process.exit(1);
  },
);
