/**
 * Catch-up bench, the two figures of a backlog:
 *   (a) Debezium's capture rate on this machine, the pipeline's ceiling: the connector is paused,
 *       the generator commits a burst, the connector is resumed, and the topics' end offsets are
 *       timed from the first new record to the last;
 *   (b) catch-up replay through `sls offline`: the writer alone (OFFLINE_S3=off, no loader),
 *       a fresh consumer group from TRIM_HORIZON over every record the topics hold, timed from
 *       the moment sls offline is ready and its Kafka source consuming (so the functions' cold
 *       start counts) until the group's committed offsets reach the end. Records/s, and its
 *       ratio to (a).
 *
 *   npx tsx bench/replay.bench.ts [--burst 150000] [--min-backlog 150000] -> bench/results/replay.json
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { connectFromConfig, parseGeneratorOptions, runGenerator } from '../functions/generator';
import type { LoopLogger } from '../functions/generator/loop';
import { kafkaBrokers, loadConfig, type Config } from '../functions/shared/config';
import { consumerGroupFor } from '../functions/shared/consumerGroups';
import { TABLE_NAMES, topicFor } from '../functions/shared/tables';
import { freePort } from '../infra/cli/e2e-run';
import { startOffline } from '../infra/cli/offline';
import { makeContext, REPO_ROOT } from '../infra/stack/context';
import { sleep } from '../infra/stack/proc';
import { stackUp } from '../infra/stack/stack';
import { loadavg, machineInfo } from './machine';

export interface CaptureResult {
  changes: number;
  seconds: number;
  recordsPerSec: number;
}

export interface ReplayResult {
  records: number;
  seconds: number;
  recordsPerSec: number;
  invocations: number;
  partitions: Record<string, number>;
  params: Record<string, string>;
}

export interface ReplayBenchResult {
  kind: 'replay';
  measuredAt: string;
  machine: ReturnType<typeof machineInfo>;
  loadavg: { start: number[]; end: number[] };
  capture: CaptureResult;
  replay: ReplayResult;
  /** replay / capture, measured in this run. */
  ratioToCapture: number;
  /** The Python original's consumer on the same machine and backlog (issue 10): 1,629 records/s. */
  ratioToOriginal: number;
}

const ORIGINAL_RECORDS_PER_SEC = 1629;
const silent: LoopLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const topics = (cfg: Config) => TABLE_NAMES.map((t) => topicFor(t, cfg.KAFKA_TOPIC_PREFIX));

/** Sum of end offsets over every partition of the CDC topics. */
async function endOffsets(admin: Admin, cfg: Config): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const t of topics(cfg)) {
    for (const p of await admin.fetchTopicOffsets(t)) out.set(`${t}-${p.partition}`, Number(p.high));
  }
  return out;
}
const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

async function connector(cfg: Config, action: 'pause' | 'resume'): Promise<void> {
  const res = await fetch(`${cfg.KAFKA_CONNECT_URL}/connectors/${cfg.DEBEZIUM_CONNECTOR_NAME}/${action}`, { method: 'PUT' });
  if (!res.ok) throw new Error(`connector ${action}: HTTP ${res.status} ${await res.text()}`);
}

async function connectorState(cfg: Config): Promise<string> {
  const res = await fetch(`${cfg.KAFKA_CONNECT_URL}/connectors/${cfg.DEBEZIUM_CONNECTOR_NAME}/status`);
  const body = (await res.json()) as { connector: { state: string }; tasks: { state: string }[] };
  return [body.connector.state, ...body.tasks.map((t) => t.state)].every((s) => s === 'PAUSED') ? 'PAUSED' : 'RUNNING';
}

/** Commits a burst of at least `changes` row changes in big iterations (the generator's fastest shape). */
async function burst(cfg: Config, changes: number, seed: number): Promise<number> {
  // One iteration of this scale is ~2,500 inserts and ~200 updates.
  const iterations = Math.ceil(changes / 2600);
  const s = await runGenerator({
    options: parseGeneratorOptions({
      iterations,
      intervalMs: 0,
      seed,
      scale: { customers: 100, accounts: 200, transactions: 2000 },
    }),
    connect: connectFromConfig(cfg),
    logger: silent,
  });
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

/** (a) Pause, commit a burst, resume; time the end offsets from first growth until they stop growing. */
export async function measureCapture(
  cfg: Config,
  admin: Admin,
  changes: number,
  log: (m: string) => void,
): Promise<CaptureResult> {
  await connector(cfg, 'pause');
  for (let i = 0; i < 100 && (await connectorState(cfg)) !== 'PAUSED'; i++) await sleep(200);
  // Let what was in flight land before the baseline.
  await sleep(3000);
  const before = total(await endOffsets(admin, cfg));
  log(`connector paused; committing a burst of >= ${changes} changes...`);
  const committed = await burst(cfg, changes, 4242);
  log(`${committed} changes committed; resuming the connector`);
  await connector(cfg, 'resume');
  let first = 0;
  let last = 0;
  let lastTotal = before;
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    const now = total(await endOffsets(admin, cfg));
    const t = Date.now();
    if (now > lastTotal) {
      if (first === 0) first = t;
      last = t;
      lastTotal = now;
    }
    // The burst plus tombstones of its deletes; stop once everything is in and it went quiet.
    if (lastTotal - before >= committed && t - last > 3000) break;
    if (first !== 0 && t - last > 20_000) break;
    await sleep(100);
  }
  const captured = lastTotal - before;
  const seconds = Math.max(0.001, (last - first) / 1000);
  return { changes: captured, seconds: Math.round(seconds * 100) / 100, recordsPerSec: Math.round(captured / seconds) };
}

/** (b) Writer-only replay of every record on the topics, from a fresh group at TRIM_HORIZON. */
export async function measureReplay(
  cfg: Config,
  admin: Admin,
  dir: string,
  log: (m: string) => void,
  extraParams: Record<string, string> = {},
  extraEnv: Record<string, string> = {},
): Promise<ReplayResult> {
  const runId = Date.now().toString(36);
  const target = await endOffsets(admin, cfg);
  const records = total(target);
  const params = {
    consumerGroupId: `bench-replay-${runId}`,
    generateSchedule: 'false',
    sweepSchedule: 'false',
    startingPosition: 'TRIM_HORIZON',
    ...extraParams,
  };
  const env = {
    OFFLINE_S3: 'off',
    NODE_NO_WARNINGS: '1',
    OFFLINE_HTTP_PORT: String(await freePort()),
    OFFLINE_LAMBDA_PORT: String(await freePort()),
    ...extraEnv,
  };
  const logFile = join(dir, `replay-${runId}.log`);
  log(`replaying ${records} records through sls offline (writer only; log ${logFile})...`);
  const offline = await startOffline({ root: REPO_ROOT, logFile, env, params });
  const first = Date.now();
  try {
    const groups = new Map(
      TABLE_NAMES.map((t) => [topicFor(t, cfg.KAFKA_TOPIC_PREFIX), consumerGroupFor(params.consumerGroupId, t)]),
    );
    let done = 0;
    const deadline = Date.now() + 1_800_000;
    for (;;) {
      let committed = 0;
      for (const [topic, groupId] of groups) {
        for (const { partitions } of await admin.fetchOffsets({ groupId, topics: [topic] })) {
          for (const p of partitions) {
            const low = Number(p.offset);
            if (low > 0) committed += Math.min(low, target.get(`${topic}-${p.partition}`) ?? low);
          }
        }
      }
      const t = Date.now();
      done = committed;
      if (committed >= records) break;
      if (t > deadline) throw new Error(`replay did not finish in 30 min (${committed}/${records}); see ${logFile}`);
      await sleep(100);
    }
    const seconds = (Date.now() - first) / 1000;
    const invocations = (readFileSync(logFile, 'utf8').match(/invoked in \d+ ms/g) ?? []).length;
    const partitions: Record<string, number> = {};
    for (const k of target.keys()) {
      const topic = k.slice(0, k.lastIndexOf('-'));
      partitions[topic] = (partitions[topic] ?? 0) + 1;
    }
    return {
      records: done,
      seconds: Math.round(seconds * 100) / 100,
      recordsPerSec: Math.round(done / seconds),
      invocations,
      partitions,
      params,
    };
  } finally {
    await offline.stop();
  }
}

export async function runReplayBench(
  o: { burst?: number; minBacklog?: number; log?: (m: string) => void; out?: string } = {},
): Promise<ReplayBenchResult> {
  const log = o.log ?? ((m: string) => console.log(`[bench:replay] ${m}`));
  const start = loadavg();
  const ctx = makeContext({ quiet: true });
  await stackUp({ ctx: { ...ctx, log: (m) => log(`stack: ${m}`) } });
  const cfg = loadConfig();
  const kafka = new Kafka({ brokers: kafkaBrokers(cfg), logLevel: logLevel.NOTHING, clientId: 'bench-replay' });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const capture = await measureCapture(cfg, admin, o.burst ?? 150_000, log);
    log(`capture: ${capture.changes} records in ${capture.seconds}s = ${capture.recordsPerSec}/s`);
    const backlog = total(await endOffsets(admin, cfg));
    const minBacklog = o.minBacklog ?? 150_000;
    if (backlog < minBacklog) throw new Error(`backlog ${backlog} < ${minBacklog}: run a bigger --burst`);
    const dir = join(ctx.stackDir, 'bench');
    mkdirSync(dir, { recursive: true });
    const replay = await measureReplay(cfg, admin, dir, log);
    log(
      `replay: ${replay.records} records in ${replay.seconds}s = ${replay.recordsPerSec}/s (${replay.invocations} invocations)`,
    );
    const result: ReplayBenchResult = {
      kind: 'replay',
      measuredAt: new Date().toISOString(),
      machine: machineInfo(),
      loadavg: { start, end: loadavg() },
      capture,
      replay,
      ratioToCapture: Math.round((replay.recordsPerSec / capture.recordsPerSec) * 100) / 100,
      ratioToOriginal: Math.round((replay.recordsPerSec / ORIGINAL_RECORDS_PER_SEC) * 100) / 100,
    };
    const out = o.out ?? join(__dirname, 'results', 'replay.json');
    mkdirSync(join(out, '..'), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    await admin.disconnect();
  }
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      burst: { type: 'string', default: '150000' },
      'min-backlog': { type: 'string', default: '150000' },
      'replay-only': { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  runReplayBench({ burst: Number(values.burst), minBacklog: Number(values['min-backlog']), out: values.out }).then(
    (r) => console.log(JSON.stringify({ capture: r.capture, replay: r.replay, ratioToCapture: r.ratioToCapture }, null, 2)),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
