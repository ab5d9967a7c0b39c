/**
 * The writer's hot path, today's handler against the one it replaced, in the same run: validate
 * the Lambda event, decode every record, build and encode the Parquet objects (no PUT: the bytes
 * are dropped, so the figure is the CPU work per record).
 *
 * - baseline: the writer at BASELINE_COMMIT (zod-validated event with its copy, row objects, then
 *   columns), materialised from git into bench/.baseline/ (gitignored) and imported from there;
 * - current: functions/writer/lake/storeBatch with handlers/kafkaEvent's in-place validation.
 *
 * Both run on the same events, built from real recorded envelopes (bench/fixtures/), with and
 * without the value's inline schema (value.converter.schemas.enable). It also reports event bytes
 * per record each way (Lambda's event limit is 6 MB), checks that the current path stores the
 * baseline's bytes exactly when its tuned encodings are off (and no manifest), the Parquet size with them
 * on, and what the object manifest costs (the current path with and without it, interleaved rounds).
 *
 *   npx tsx bench/writerHotPath.bench.ts [records] [batchSize]   -> bench/results/writer-hotpath.json
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof -r tsx/cjs bench/writerHotPath.bench.ts   (profile)
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { storeBatch, type ObjectSink, type PutRequest } from '../functions/writer';
import { validateKafkaEvent } from '../handlers/kafkaEvent';
import { loadavg, machineInfo } from './machine';
import { runAsScript, writeResult } from './results';
import { freshChange, MIX, prng } from './fixtures/syntheticChanges';

export const BASELINE_COMMIT = '99f46d9';
const ROOT = join(__dirname, '..');
const BASELINE_DIR = join(__dirname, '.baseline', BASELINE_COMMIT);

interface Fixture {
  headers: Record<string, number[]>[];
  envelopes: Record<string, Record<string, unknown>[]>;
  /** Inline schema text per table, as the connector writes it with schemas enabled. */
  schemas?: Record<string, string>;
}

interface LambdaRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: string;
  key: string;
  value: string;
  headers: Record<string, number[]>[];
}

type Store = (records: LambdaRecord[], sink: ObjectSink) => Promise<unknown>;

function baseline(): { validate: (e: unknown) => unknown; store: Store } {
  if (!existsSync(join(BASELINE_DIR, 'functions'))) {
    mkdirSync(BASELINE_DIR, { recursive: true });
    const tar = execFileSync(
      'git',
      ['archive', BASELINE_COMMIT, 'functions/cdc', 'functions/lake', 'functions/shared', 'handlers/events.ts'],
      {
        cwd: ROOT,
      },
    );
    execFileSync('tar', ['-x', '-C', BASELINE_DIR], { input: tar });
  }
  const lake = require(join(BASELINE_DIR, 'functions', 'lake')) as {
    storeBatch: (r: LambdaRecord[], o: { sink: ObjectSink; dlqPrefix: string }) => Promise<unknown>;
  };
  const events = require(join(BASELINE_DIR, 'handlers', 'events')) as {
    kafkaEventSchema: { safeParse: (e: unknown) => { success: boolean; data?: unknown } };
  };
  return {
    validate: (e) => {
      const p = events.kafkaEventSchema.safeParse(e);
      if (!p.success) throw new Error('baseline rejected the event');
      return p.data;
    },
    store: (records, sink) => lake.storeBatch(records, { sink, dlqPrefix: '_dlq' }),
  };
}

/** Lambda Kafka events: recorded envelopes cloned with fresh ids, values, LSNs and offsets. */
export function buildEvents(fx: Fixture, count: number, batchSize: number, inlineSchema: boolean): Record<string, unknown>[] {
  const rand = prng(42);
  const offsets: Record<string, number> = {};
  const events: Record<string, unknown>[] = [];
  let records: Record<string, LambdaRecord[]> = {};
  for (let i = 0; i < count; i++) {
    const { table, tsMs, envelope: env } = freshChange((t) => fx.envelopes[t]!, i, rand);
    const payload = JSON.stringify(env);
    const value = inlineSchema ? `{"schema":${fx.schemas![table]},"payload":${payload}}` : payload;
    const topic = `banking_server.public.${table}`;
    const offset = (offsets[topic] = (offsets[topic] ?? -1) + 1);
    (records[`${topic}-0`] ??= []).push({
      topic,
      partition: 0,
      offset,
      timestamp: tsMs + 7,
      timestampType: 'CREATE_TIME',
      key: Buffer.from(JSON.stringify({ id: i + 1 })).toString('base64'),
      value: Buffer.from(value).toString('base64'),
      headers: fx.headers,
    });
    if ((i + 1) % batchSize === 0 || i + 1 === count) {
      events.push({ eventSource: 'SelfManagedKafka', bootstrapServers: '127.0.0.1:9092', records });
      records = {};
    }
  }
  return events;
}

class HashSink implements ObjectSink {
  readonly hashes = new Map<string, string>();
  bytes = 0;
  constructor(private readonly keep: boolean) {}
  async put(req: PutRequest): Promise<void> {
    this.bytes += typeof req.body === 'string' ? req.body.length : req.body.byteLength;
    if (this.keep) this.hashes.set(req.key, createHash('sha256').update(req.body).digest('hex'));
  }
}

async function time(events: Record<string, unknown>[], run: (e: Record<string, unknown>) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  for (const e of events) await run(e);
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runWriterHotPathBench(opts: { records?: number; batchSize?: number; rounds?: number; out?: string } = {}) {
  const count = opts.records ?? 20_000;
  const batchSize = opts.batchSize ?? 2_000;
  const rounds = opts.rounds ?? 5;
  const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'debezium-envelopes.json'), 'utf8')) as Fixture;
  const base = baseline();
  const flat = (e: Record<string, unknown>) => Object.values(e.records as Record<string, LambdaRecord[]>).flat();
  const drop = new HashSink(false);
  const paths = {
    baseline: async (e: Record<string, unknown>) => base.store(flat(base.validate(e) as Record<string, unknown>), drop),
    current: async (e: Record<string, unknown>) => {
      const v = validateKafkaEvent(e);
      if (!v.success) throw new Error(v.problems.join('; '));
      return storeBatch(Object.values(v.data.records).flat(), { sink: drop, dlqPrefix: '_dlq', topicPrefix: 'banking_server' });
    },
    // The same without the object manifest (issue 25): its cost is the difference.
    noManifest: async (e: Record<string, unknown>) => {
      const v = validateKafkaEvent(e);
      if (!v.success) throw new Error(v.problems.join('; '));
      const records = Object.values(v.data.records).flat();
      return storeBatch(records, { sink: drop, dlqPrefix: '_dlq', topicPrefix: 'banking_server', manifest: false });
    },
  };

  const result: Record<string, unknown> = {
    kind: 'writer-hotpath',
    measuredAt: new Date().toISOString(),
    machine: machineInfo(),
  };
  result.loadavgStart = loadavg();
  result.params = { records: count, batchSize, rounds, baselineCommit: BASELINE_COMMIT, mix: MIX };
  for (const inline of fx.schemas ? [false, true] : [false]) {
    const events = buildEvents(fx, count, batchSize, inline);
    const eventBytes = events.reduce((n, e) => n + JSON.stringify(e).length, 0);
    // Same bytes: the baseline and the current path with its tuned encodings off.
    const a = new HashSink(true);
    const b = new HashSink(true);
    const tuned = new HashSink(false);
    for (const e of events) {
      await base.store(flat(e), a);
      await storeBatch(flat(e), { sink: b, dlqPrefix: '_dlq', tunedEncodings: false, manifest: false });
      await storeBatch(flat(e), { sink: tuned, dlqPrefix: '_dlq' });
    }
    const identical =
      a.hashes.size > 0 && [...a.hashes].every(([k, h]) => b.hashes.get(k) === h) && a.hashes.size === b.hashes.size;
    const ms: Record<string, number[]> = { baseline: [], current: [] };
    await time(events.slice(0, 2), paths.baseline); // warm-up
    await time(events.slice(0, 2), paths.current);
    await time(events.slice(0, 2), paths.noManifest);
    for (let r = 0; r < rounds; r++) {
      for (const name of ['baseline', 'current'] as const) ms[name]!.push(await time(events, paths[name]));
    }
    // The manifest's cost in CPU time (this process's, so other processes' load counts less than in
    // wall time), with and without it alternating, over twice the rounds.
    const cpu: Record<'with' | 'without', number[]> = { with: [], without: [] };
    for (let r = 0; r < 2 * rounds; r++) {
      for (const [name, path] of [
        ['with', paths.current],
        ['without', paths.noManifest],
      ] as const) {
        const c0 = process.cpuUsage();
        await time(events, path);
        const c = process.cpuUsage(c0);
        cpu[name].push((c.user + c.system) / 1000);
      }
    }
    const cpuUs = (name: 'with' | 'without') => Math.round((median(cpu[name]) / count) * 1000 * 100) / 100;
    const us = (name: string) => Math.round((median(ms[name]!) / count) * 1000 * 100) / 100;
    result[inline ? 'inlineSchema' : 'noSchema'] = {
      eventBytesPerRecord: Math.round(eventBytes / count),
      recordsPer6MB: Math.floor((6 * 2 ** 20) / (eventBytes / count)),
      usPerRecord: { baseline: us('baseline'), current: us('current') },
      ratio: Math.round((us('baseline') / us('current')) * 100) / 100,
      manifest: {
        cpuUsPerRecordWith: cpuUs('with'),
        cpuUsPerRecordWithout: cpuUs('without'),
        cpuUsPerRecordCost: Math.round((cpuUs('with') - cpuUs('without')) * 100) / 100,
        share: Math.round(((cpuUs('with') - cpuUs('without')) / cpuUs('without')) * 1000) / 1000,
      },
      identicalBytesWithEarlierEncodings: identical,
      parquetBytes: { earlierEncodings: b.bytes, tunedEncodings: tuned.bytes },
    };
  }
  result.loadavgEnd = loadavg();
  const out = opts.out ?? join(__dirname, 'results', 'writer-hotpath.json');
  return writeResult(out, result);
}

if (require.main === module) {
  const [records, batchSize] = process.argv.slice(2).map(Number);
  runAsScript(runWriterHotPathBench({ records: records || undefined, batchSize: batchSize || undefined }), (r) =>
    console.log(JSON.stringify(r, null, 2)),
  );
}
