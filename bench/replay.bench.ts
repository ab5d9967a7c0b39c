/**
 * Catch-up bench, the two figures of a backlog, for each value format the connector can write
 * (inline schemas, the default, which carry schema changes through; schema-less, ~7x smaller):
 *   (a) Debezium's capture rate on this machine, the pipeline's ceiling: the connector is paused,
 *       the generator commits a burst, the connector is resumed, and the topics' end offsets are
 *       timed from the first new record to the last;
 *   (b) catch-up replay of that burst through `sls offline`: the writer alone (OFFLINE_S3=off, no
 *       loader), fresh consumer groups set to the offsets before the burst, timed from the moment
 *       sls offline is ready and its Kafka source consuming (so the functions' cold start counts)
 *       until the groups' committed offsets reach the end. Records/s, and its ratio to (a).
 * The connector is left as configured (DEBEZIUM_INLINE_SCHEMAS) at the end.
 *
 *   npx tsx bench/replay.bench.ts [--burst 150000] [--min-backlog 150000] -> bench/results/replay.json
 */
import { createBenchBucket } from './pipeline/bucket';
import { createS3Client } from '../functions/shared/s3';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { kafkaBrokers, loadSettings, type Settings } from '../infra/local/stack/settings';
import { consumerGroupFor } from '../functions/shared/consumerGroups';
import { TABLE_NAMES, topicFor } from '../functions/shared/tables';
import { freePort } from '../infra/local/cli/util/ports';
import { runAsScript, writeResult } from './results';
import { registerConnector } from '../infra/local/stack/debezium/register';
import { startOffline } from '../infra/local/cli/offline';
import { makeContext, REPO_ROOT } from '../infra/local/stack/context';
import { sleep } from '../infra/local/stack/proc';
import { stackUp } from '../infra/local/stack/stack';
import { loadavg, machineInfo } from './machine';
import type { InvokeMode } from '../infra/local/offline-kafka/plugin';
import { measureCapture, total, type CaptureResult } from './replay/capture';

export type { CaptureResult } from './replay/capture';

export interface ReplayResult {
  /** How offline-kafka reached the writer: in its own thread (the default) or the Lambda API. */
  invoke: InvokeMode;
  records: number;
  seconds: number;
  recordsPerSec: number;
  invocations: number;
  partitions: Record<string, number>;
  params: Record<string, string>;
}

/** One value format's capture and replay, measured on a burst of its own. */
export interface FormatResult {
  inlineSchemas: boolean;
  /** Mean size of a record's value on the topics (bytes). */
  valueBytes: number;
  capture: CaptureResult;
  replay: ReplayResult;
  /** The same backlog through serverless-offline's Lambda API (the simplest alternative), when measured. */
  replayApi?: ReplayResult;
  /** replay / capture, measured in this run. */
  ratioToCapture: number;
  /** The Python original's consumer on the same machine (issue 10): 1,629 records/s. */
  ratioToOriginal: number;
}

export interface ReplayBenchResult {
  kind: 'replay';
  measuredAt: string;
  machine: ReturnType<typeof machineInfo>;
  loadavg: { start: number[]; end: number[] };
  /** The configured format (DEBEZIUM_INLINE_SCHEMAS) first. */
  formats: FormatResult[];
}

const ORIGINAL_RECORDS_PER_SEC = 1629;

/** (b) Writer-only replay of the records between `from` and `to`, by fresh groups set to `from`. */
export async function measureReplay(
  cfg: Settings,
  admin: Admin,
  dir: string,
  log: (m: string) => void,
  range: { from: Map<string, number>; to: Map<string, number> },
  extraParams: Record<string, string> = {},
  invoke: InvokeMode = 'thread',
): Promise<ReplayResult> {
  const runId = Date.now().toString(36);
  const { from, to } = range;
  const records = total(to) - total(from);
  const params = {
    consumerGroupId: `bench-replay-${runId}`,
    generateSchedule: 'false',
    sweepSchedule: 'false',
    ...extraParams,
  };
  const groups = new Map(
    TABLE_NAMES.map((t) => [topicFor(t, cfg.KAFKA_TOPIC_PREFIX), consumerGroupFor(params.consumerGroupId, t)]),
  );
  // The groups start where the burst starts: only it is replayed, whatever history the topics hold.
  for (const [topic, groupId] of groups) {
    const partitions = [...from.entries()]
      .filter(([k]) => k.slice(0, k.lastIndexOf('-')) === topic)
      .map(([k, offset]) => ({ partition: Number(k.slice(k.lastIndexOf('-') + 1)), offset: String(offset) }));
    await admin.setOffsets({ groupId, topic, partitions });
  }
  // The replay's objects go to a bucket of its own (see pipeline/bucket.ts), removed after.
  const s3 = createS3Client(cfg);
  const bucket = await createBenchBucket(s3, `bench-replay-${runId}`);
  const env = {
    MINIO_BUCKET: bucket.name,
    OFFLINE_S3: 'off',
    OFFLINE_KAFKA_INVOKE: invoke,
    NODE_NO_WARNINGS: '1',
    OFFLINE_HTTP_PORT: String(await freePort()),
    OFFLINE_LAMBDA_PORT: String(await freePort()),
  };
  const logFile = join(dir, `replay-${runId}.log`);
  log(
    `replaying ${records} records through sls offline (writer only, invoked ${invoke === 'thread' ? 'in its event source thread' : 'through the Lambda API'}; log ${logFile})...`,
  );
  const offline = await startOffline({ root: REPO_ROOT, logFile, env, params });
  const first = Date.now();
  try {
    let done = 0;
    const deadline = Date.now() + 1_800_000;
    for (;;) {
      let committed = 0;
      for (const [topic, groupId] of groups) {
        for (const { partitions } of await admin.fetchOffsets({ groupId, topics: [topic] })) {
          for (const p of partitions) {
            const key = `${topic}-${p.partition}`;
            const at = Math.min(Number(p.offset), to.get(key) ?? 0);
            committed += Math.max(0, at - (from.get(key) ?? 0));
          }
        }
      }
      done = committed;
      if (committed >= records) break;
      if (Date.now() > deadline) throw new Error(`replay did not finish in 30 min (${committed}/${records}); see ${logFile}`);
      await sleep(100);
    }
    const seconds = (Date.now() - first) / 1000;
    const invocations = (readFileSync(logFile, 'utf8').match(/invoked in \d+ ms/g) ?? []).length;
    const partitions: Record<string, number> = {};
    for (const k of to.keys()) {
      const topic = k.slice(0, k.lastIndexOf('-'));
      partitions[topic] = (partitions[topic] ?? 0) + 1;
    }
    return {
      invoke,
      records: done,
      seconds: Math.round(seconds * 100) / 100,
      recordsPerSec: Math.round(done / seconds),
      invocations,
      partitions,
      params,
    };
  } finally {
    await offline.stop();
    await bucket.remove().catch((err: Error) => log(`could not remove s3://${bucket.name}: ${err.message}`));
    s3.destroy();
  }
}

/** Mean value size of the last records of each partition (what one format costs on the wire). */
async function meanValueBytes(cfg: Settings, kafka: Kafka, to: Map<string, number>): Promise<number> {
  const consumer = kafka.consumer({ groupId: `bench-size-${Date.now().toString(36)}` });
  await consumer.connect();
  let n = 0;
  let bytes = 0;
  try {
    const topic = topicFor('transactions', cfg.KAFKA_TOPIC_PREFIX);
    await consumer.subscribe({ topic });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            if (m.value) {
              n++;
              bytes += m.value.length;
            }
          }
          if (n >= 200) resolve();
        },
      });
    });
    for (const [k, end] of to) {
      if (!k.startsWith(`${topic}-`)) continue;
      consumer.seek({ topic, partition: Number(k.slice(k.lastIndexOf('-') + 1)), offset: String(Math.max(0, end - 100)) });
    }
    await Promise.race([done, sleep(30_000)]);
  } finally {
    await consumer.disconnect();
  }
  return n ? Math.round(bytes / n) : 0;
}

export async function runReplayBench(
  o: { burst?: number; formats?: boolean[]; log?: (m: string) => void; out?: string } = {},
): Promise<ReplayBenchResult> {
  const log = o.log ?? ((m: string) => console.log(`[bench:replay] ${m}`));
  const start = loadavg();
  const ctx = makeContext({ quiet: true });
  await stackUp({ ctx: { ...ctx, log: (m) => log(`stack: ${m}`) } });
  const cfg = loadSettings();
  const configured = cfg.DEBEZIUM_INLINE_SCHEMAS === 'true';
  const kafka = new Kafka({ brokers: kafkaBrokers(cfg), logLevel: logLevel.NOTHING, clientId: 'bench-replay' });
  const admin = kafka.admin();
  await admin.connect();
  const dir = join(ctx.stackDir, 'bench');
  mkdirSync(dir, { recursive: true });
  const formats: FormatResult[] = [];
  try {
    for (const inline of o.formats ?? [configured, !configured]) {
      const fcfg: Settings = { ...cfg, DEBEZIUM_INLINE_SCHEMAS: inline ? 'true' : 'false' };
      log(`values ${inline ? 'with inline schemas' : 'schema-less'}: registering the connector that way...`);
      await registerConnector(fcfg, () => undefined);
      const burstRange = await measureCapture(fcfg, admin, o.burst ?? 150_000, log);
      const { from, to, ...capture } = burstRange;
      log(`capture: ${capture.changes} records in ${capture.seconds}s = ${capture.recordsPerSec}/s`);
      const replay = await measureReplay(fcfg, admin, dir, log, { from, to });
      log(
        `replay: ${replay.records} records in ${replay.seconds}s = ${replay.recordsPerSec}/s (${replay.invocations} invocations)`,
      );
      // The configured format also through the Lambda API, on the same backlog: what in-thread invocation gains.
      const replayApi = inline === configured ? await measureReplay(fcfg, admin, dir, log, { from, to }, {}, 'api') : undefined;
      if (replayApi) log(`replay through the Lambda API: ${replayApi.recordsPerSec}/s`);
      formats.push({
        inlineSchemas: inline,
        valueBytes: await meanValueBytes(fcfg, kafka, to),
        capture,
        replay,
        ...(replayApi ? { replayApi } : {}),
        ratioToCapture: Math.round((replay.recordsPerSec / capture.recordsPerSec) * 100) / 100,
        ratioToOriginal: Math.round((replay.recordsPerSec / ORIGINAL_RECORDS_PER_SEC) * 100) / 100,
      });
    }
  } finally {
    // Back to the configured format, whatever happened.
    await registerConnector(cfg, () => undefined).catch((err: Error) => log(`could not restore the connector: ${err.message}`));
    await admin.disconnect();
  }
  const result: ReplayBenchResult = {
    kind: 'replay',
    measuredAt: new Date().toISOString(),
    machine: machineInfo(),
    loadavg: { start, end: loadavg() },
    formats,
  };
  return writeResult(o.out ?? join(__dirname, 'results', 'replay.json'), result);
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      burst: { type: 'string', default: '150000' },
      // inline | schemaless | both (default: both, the configured one first)
      formats: { type: 'string', default: 'both' },
      out: { type: 'string' },
    },
  });
  const configured = loadSettings().DEBEZIUM_INLINE_SCHEMAS === 'true';
  const formats = values.formats === 'inline' ? [true] : values.formats === 'schemaless' ? [false] : [configured, !configured];
  runAsScript(runReplayBench({ burst: Number(values.burst), formats, out: values.out }), (r) =>
    console.log(JSON.stringify(r.formats, null, 2)),
  );
}
