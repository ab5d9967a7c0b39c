/**
 * npm start: the whole pipeline, locally, until Ctrl-C.
 *
 *   1. the native stack up, Airflow included (what was already running is left as it is);
 *   2. `sls offline start` with the default ports, consumer group and warehouse file: the generator
 *      on its schedule, the Kafka event source feeding writeBatch, MinIO's events feeding loadObject;
 *   3. the live pipeline page on DASHBOARD_PORT (infra/local/dashboard: counts, rates, lag, latency charts,
 *      dead letters, reconciliation, health; JSON at /api/status), and from the same figures a
 *      progress line every few seconds: generated -> captured -> written -> loaded -> modelled.
 *
 * Ctrl-C stops sls offline and the stack services this run started (never ones that were running
 * before: the stack may be shared). A second Ctrl-C stops waiting and exits at once.
 */
import { join, relative } from 'node:path';
import { loadSettings, type Settings } from '../stack/settings';
import { progressLine, startDashboard, type Dashboard } from '../dashboard';
import { makeContext, REPO_ROOT } from '../stack/context';
import { portOpen, sleep } from '../stack/proc';
import { optionalServices, stackUpDetailed, stopServices, StackError, CORE_SERVICES } from '../stack/stack';
import type { Service, StackContext } from '../stack/service';
import { startOffline, type OfflineProcess } from './offline';
import { doctorGate, doctorScope } from '../stack/doctor';
import { PipelineError } from '../../../functions/shared/errors';
import { warehouseFile } from './util/warehouse';

const PROGRESS_EVERY_MS = 5000;

const say = (m: string) => console.log(`[start] ${m}`);
function printWhere(ctx: StackContext, cfg: Settings, offlineLog: string, services: Service[], dashboard: string): void {
  const rel = (p: string) => relative(process.cwd(), p) || p;
  say('running. Where things are:');
  console.log(`  pipeline page                ${dashboard}  (JSON: ${dashboard}/api/status)`);
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
    `progress every ${PROGRESS_EVERY_MS / 1000}s (source rows: customers+accounts+transactions now; captured: changes in Kafka; written: changes the writer committed to MinIO; loaded: RAW change rows; kafka lag: records not yet written; waiting: objects not yet loaded). Ctrl-C stops.`,
  );
}

// The AWS SDK warns about Node 20 on every client it builds: noise in a progress display.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  // Emitted with the name 'Warning' and the kind at the start of the message.
  if (w.name !== 'NodeVersionSupportWarning' && !w.message.startsWith('NodeVersionSupportWarning'))
    console.warn(`[start] ${w.name}: ${w.message}`);
});

const USAGE = `usage: npm start [-- --help]
  Checks the prerequisites (npm run doctor), brings the local stack up with Airflow, starts the
  functions (sls offline) and serves the pipeline page on DASHBOARD_PORT until Ctrl-C. No options:
  ports and everything else are variables (.env; see .env.example).`;

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  if (args.length) {
    console.error(`npm start takes no arguments (got ${args.join(' ')})\n${USAGE}`);
    return 2;
  }
  const cfg = loadSettings();
  const ctx = makeContext({ cfg });
  const services = [...CORE_SERVICES, ...optionalServices()];

  let stopping = false;
  let requestStop: () => void = () => undefined;
  let offline: OfflineProcess | undefined;
  const started: Service[] = [];
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

  say('checking the prerequisites (npm run doctor)...');
  if (!(await doctorGate(ctx, doctorScope('start', ctx), { quiet: true }))) return 1;
  say('bringing the local stack up, Airflow included (first run downloads and builds; later runs take seconds)...');
  try {
    // `started` is filled as it goes: a failure half-way (Airflow not ready in time) still stops
    // what this run started, instead of leaving it running as if it had been there before.
    await stackUpDetailed({ withAirflow: true, ctx, started });
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
  // startOffline takes an open Lambda port as "ready": a port someone else holds would fool it; and
  // the page needs its port before the functions are worth starting.
  for (const [port, variable] of [
    [cfg.OFFLINE_HTTP_PORT, 'OFFLINE_HTTP_PORT'],
    [cfg.OFFLINE_LAMBDA_PORT, 'OFFLINE_LAMBDA_PORT'],
    [cfg.DASHBOARD_PORT, 'DASHBOARD_PORT'],
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
  let dashboard: Dashboard;
  try {
    dashboard = await startDashboard({ cfg, ctx, port: cfg.DASHBOARD_PORT, warehousePath: warehouseFile(ctx, cfg) });
  } catch (err) {
    console.error(`[start] pipeline page: ${(err as Error).message}`);
    await stopAll();
    return 1;
  }
  printWhere(ctx, cfg, offlineLog, services, dashboard.url);

  const progress = async () => {
    // The first figures take a moment to arrive (each source reads on its own cadence).
    for (let i = 0; i < 12 && !stopping; i++) await sleep(250);
    while (!stopping) {
      console.log(progressLine(dashboard.collector.status(false)));
      for (let i = 0; i < PROGRESS_EVERY_MS / 250 && !stopping; i++) await sleep(250);
    }
  };
  const loop = progress();
  await stopped;
  await loop.catch(() => undefined);
  await dashboard.stop().catch(() => undefined);
  await stopAll();
  say('stopped.');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    // A StackError was printed where it happened; other PipelineErrors (a missing tool, bad settings)
    // say what to do; anything else is a bug, shown whole.
    if (!(err instanceof PipelineError)) console.error('[start] unexpected error:', err);
    else if (!(err instanceof StackError)) console.error(`[start] ${err.message}`);
    process.exit(1);
  },
);
