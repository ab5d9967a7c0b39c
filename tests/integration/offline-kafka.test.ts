/**
 * KafkaEventSource against the real local Kafka (127.0.0.1:9092 or KAFKA_BOOTSTRAP): own topics
 * with random names, own consumer groups, an in-process invoke that records what it gets.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Admin, type KafkaConfig, type Producer } from 'kafkajs';
import { kafkaBrokers, loadSettings } from '../../infra/local/stack/settings';
import type { LambdaKafkaEvent, LambdaKafkaRecord } from '../../infra/local/offline-kafka/event';
import { recordingLogger } from '../fixtures/logs';
import type { BatchInfo } from '../../infra/local/offline-kafka/partition';
import { KafkaEventSource, type KafkaEventSourceOptions } from '../../infra/local/offline-kafka/source';

jest.setTimeout(180_000);

const brokers = kafkaBrokers(loadSettings());
const kafka = new Kafka({ clientId: 'offline-kafka-test', brokers, logLevel: logLevel.NOTHING });
const logs: string[] = [];
const logger = recordingLogger(logs);

let admin: Admin;
let producer: Producer;
const topics: string[] = [];
const groups: string[] = [];
const sources: KafkaEventSource[] = [];

async function newTopic(partitions: number): Promise<string> {
  const topic = `offline-kafka-test-${randomUUID().slice(0, 8)}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  topics.push(topic);
  return topic;
}

function newGroup(): string {
  const g = `offline-kafka-test-${randomUUID().slice(0, 8)}`;
  groups.push(g);
  return g;
}

/** Produces `count` messages round-robin over partitions, values `m<seq>`; the 7th is a tombstone with no key. */
async function produce(topic: string, partitions: number, from: number, count: number): Promise<void> {
  const messages = Array.from({ length: count }, (_, i) => {
    const seq = from + i;
    const tombstone = seq === 7;
    return {
      partition: seq % partitions,
      key: tombstone ? null : `k${seq}`,
      value: tombstone ? null : `m${seq}`,
      headers: { seq: String(seq) },
    };
  });
  await producer.send({ topic, acks: -1, messages });
}

async function committed(groupId: string, topic: string): Promise<Record<number, number>> {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return Object.fromEntries((t?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${logs.slice(-20).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Recorder {
  invoke: KafkaEventSourceOptions['invoke'];
  batches: Array<{ info: BatchInfo; records: LambdaKafkaRecord[]; keys: string[] }>;
  maxInFlight: Map<string, number>;
  delivered(partition: number): number[];
}

/** Records every event; each invocation takes `delayMs`, to give overlapping deliveries a chance. */
function recorder(delayMs = 5, fail?: (info: BatchInfo) => Promise<void>): Recorder {
  const inFlight = new Map<string, number>();
  const maxInFlight = new Map<string, number>();
  const batches: Recorder['batches'] = [];
  return {
    batches,
    maxInFlight,
    delivered: (partition) =>
      batches.filter((b) => b.info.partition === partition).flatMap((b) => b.records.map((r) => r.offset)),
    invoke: async (event: LambdaKafkaEvent, info: BatchInfo) => {
      const key = `${info.topic}-${info.partition}`;
      inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
      maxInFlight.set(key, Math.max(maxInFlight.get(key) ?? 0, inFlight.get(key) ?? 0));
      try {
        await new Promise((r) => setTimeout(r, delayMs));
        if (fail) await fail(info); // throws to fail this attempt
        batches.push({ info, records: Object.values(event.records).flat(), keys: Object.keys(event.records) });
      } finally {
        inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
      }
    },
  };
}

function source(o: Omit<KafkaEventSourceOptions, 'brokers' | 'logger'>): KafkaEventSource {
  const s = new KafkaEventSource({ brokers, logger, retry: { initialDelayMs: 100, maxDelayMs: 1000 }, ...o });
  sources.push(s);
  return s;
}

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
});

afterAll(async () => {
  await Promise.all(sources.map((s) => s.stop()));
  // Only what this test created.
  await admin.deleteGroups(groups).catch(() => undefined);
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await producer.disconnect();
  await admin.disconnect();
});

describe('KafkaEventSource on real Kafka', () => {
  it('delivers every message exactly once, in order per partition, in batches <= batchSize, one batch in flight per partition', async () => {
    const topic = await newTopic(2);
    const groupId = newGroup();
    const N = 400;
    await produce(topic, 2, 0, N);
    const rec = recorder(5);
    const s = source({
      groupId,
      topics: [topic],
      batchSize: 25,
      maxBatchingWindowMs: 200,
      startingPosition: 'TRIM_HORIZON',
      invoke: rec.invoke,
    });
    await s.start();
    await until('all committed', async () => {
      const c = await committed(groupId, topic);
      return c[0] === N / 2 && c[1] === N / 2;
    });
    await s.stop();

    for (const p of [0, 1]) {
      expect(rec.delivered(p)).toEqual(Array.from({ length: N / 2 }, (_, i) => i));
      expect(rec.maxInFlight.get(`${topic}-${p}`)).toBe(1);
    }
    expect(rec.batches.every((b) => b.records.length >= 1 && b.records.length <= 25)).toBe(true);
    // Each event holds one topic-partition, keyed the way Lambda keys it.
    expect(rec.batches.every((b) => b.keys.length === 1 && b.keys[0] === `${topic}-${b.info.partition}`)).toBe(true);

    // Content: base64 key/value, numeric offsets, tombstone, headers.
    const all = rec.batches.flatMap((b) => b.records);
    const bySeq = new Map(all.map((r) => [Number(Buffer.from(r.headers[0]?.seq ?? []).toString()), r]));
    expect(bySeq.size).toBe(N);
    const r42 = bySeq.get(42);
    expect(r42 && Buffer.from(r42.value ?? '', 'base64').toString()).toBe('m42');
    expect(r42 && Buffer.from(r42.key ?? '', 'base64').toString()).toBe('k42');
    expect(r42?.partition).toBe(0);
    expect(r42?.offset).toBe(21);
    expect(typeof r42?.timestamp).toBe('number');
    const tomb = bySeq.get(7);
    expect(tomb?.value).toBeNull();
    expect(tomb && 'key' in tomb).toBe(false);
    expect(logs.some((l) => l.includes(`${topic}-0 offsets 0..`) && l.includes('invoked in'))).toBe(true);
  });

  it('retries a failing batch with backoff and commits its offsets only after success', async () => {
    const topic = await newTopic(2);
    const groupId = newGroup();
    await produce(topic, 2, 0, 10); // 5 per partition
    const attempts: Array<{
      partition: number;
      attempt: number;
      first: number;
      last: number;
      committedAt: Record<number, number>;
    }> = [];
    const rec = recorder(1, async (info) => {
      if (info.partition !== 0) return;
      attempts.push({
        partition: 0,
        attempt: info.attempt,
        first: info.firstOffset,
        last: info.lastOffset,
        committedAt: await committed(groupId, topic),
      });
      if (info.attempt <= 2) throw new Error(`induced failure ${info.attempt}`);
    });
    const s = source({ groupId, topics: [topic], batchSize: 100, maxBatchingWindowMs: 300, invoke: rec.invoke });
    await s.start();
    await until('partition 0 committed', async () => (await committed(groupId, topic))[0] === 5);
    await s.stop();

    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(attempts.every((a) => a.first === 0 && a.last === 4)).toBe(true);
    // Nothing committed for partition 0 while it was failing; -1 is Kafka's "no offset".
    expect(attempts.map((a) => a.committedAt[0])).toEqual([-1, -1, -1]);
    expect(rec.delivered(0)).toEqual([0, 1, 2, 3, 4]);
    // The failing partition held up no one else.
    expect(rec.delivered(1)).toEqual([0, 1, 2, 3, 4]);
    const failLogs = logs.filter((l) => l.startsWith('ERROR') && l.includes(`${topic}-0`));
    expect(failLogs).toHaveLength(2);
    expect(failLogs[0]).toMatch(/induced failure 1; retrying the same batch in 100 ms/);
    expect(failLogs[1]).toMatch(/induced failure 2; retrying the same batch in 200 ms/);
  });

  it('after a stop mid-stream and a restart with the same group, redelivers nothing committed and loses nothing', async () => {
    const topic = await newTopic(2);
    const groupId = newGroup();
    const N = 600;
    await produce(topic, 2, 0, N);

    const first = recorder(30);
    const a = source({ groupId, topics: [topic], batchSize: 10, maxBatchingWindowMs: 0, invoke: first.invoke });
    await a.start();
    await until('some batches delivered', () => first.batches.length >= 4);
    await a.stop(); // lets each partition's batch in flight finish and commit
    const afterA = await committed(groupId, topic);
    const deliveredA = [first.delivered(0), first.delivered(1)];
    // Stopped mid-stream: some, not all.
    expect(deliveredA[0]!.length + deliveredA[1]!.length).toBeLessThan(N);
    // Everything A delivered is committed, nothing more.
    for (const p of [0, 1]) expect(afterA[p]).toBe(deliveredA[p]!.length === 0 ? -1 : deliveredA[p]!.length);

    await produce(topic, 2, N, 20); // more arrives while nobody consumes
    const second = recorder(1);
    const b = source({ groupId, topics: [topic], batchSize: 50, maxBatchingWindowMs: 0, invoke: second.invoke });
    await b.start();
    await until('all committed after restart', async () => {
      const c = await committed(groupId, topic);
      return c[0] === (N + 20) / 2 && c[1] === (N + 20) / 2;
    });
    await b.stop();

    for (const p of [0, 1]) {
      const all = [...deliveredA[p]!, ...second.delivered(p)];
      expect(all).toEqual(Array.from({ length: (N + 20) / 2 }, (_, i) => i)); // no gap, no duplicate, in order
      expect(second.delivered(p)[0]).toBe(deliveredA[p]!.length);
    }
  });

  it('replaces a consumer that kafkajs will not restart (a crash on a non-retriable error) and loses nothing', async () => {
    const topic = await newTopic(2);
    const groupId = newGroup();
    const N = 300;
    await produce(topic, 2, 0, N / 2);
    // A real kafkajs consumer on the real broker whose fetch loop throws once, when told, an error
    // kafkajs deems not retriable (as "Failed to find group coordinator" after Kafka's restart).
    let crashNext = false;
    const client = (config: KafkaConfig): Kafka => {
      const k = new Kafka(config);
      const makeConsumer = k.consumer.bind(k);
      k.consumer = (cfg) => {
        const c = makeConsumer(cfg);
        const run = c.run.bind(c);
        c.run = (o) =>
          run({
            ...o,
            eachBatch: async (p) => {
              if (crashNext) {
                crashNext = false;
                throw Object.assign(new Error('induced non-retriable crash'), { retriable: false });
              }
              await o?.eachBatch?.(p);
            },
          });
        return c;
      };
      return k;
    };
    const rec = recorder(20);
    const s = source({ groupId, topics: [topic], batchSize: 10, maxBatchingWindowMs: 0, invoke: rec.invoke, client });
    await s.start();
    await until('the first half committed', async () => {
      const c = await committed(groupId, topic);
      return c[0] === N / 4 && c[1] === N / 4;
    });
    crashNext = true;
    await produce(topic, 2, N / 2, N / 2);
    await until('all committed after the crash', async () => {
      const c = await committed(groupId, topic);
      return c[0] === N / 2 && c[1] === N / 2;
    });
    await s.stop();

    expect(logs.some((l) => l.includes('induced non-retriable crash') && l.includes('(restart: false)'))).toBe(true);
    expect(logs.some((l) => l.includes('a new consumer replaced the crashed one'))).toBe(true);
    for (const p of [0, 1]) {
      // Every offset delivered. A batch the crashed consumer's workers delivered but could not commit
      // comes again (at least once, as with Lambda; the writer is idempotent), and only such batches.
      const d = rec.delivered(p);
      expect([...new Set(d)].sort((a, b) => a - b)).toEqual(Array.from({ length: N / 2 }, (_, i) => i));
      expect(d.filter((o) => o < N / 4)).toEqual(Array.from({ length: N / 4 }, (_, i) => i)); // committed before: never again
    }
  });

  it('keeps its partitions through an invocation longer than the session timeout, paused or not (heartbeats go on)', async () => {
    // The session timeout is short (10 s by default) so that a killed writer's partitions come back
    // quickly; that is only safe if a slow invocation does not cost the member its partitions.
    const topic = await newTopic(1);
    const groupId = newGroup();
    const N = 2500; // more than the worker's high-water mark (2 x batchSize): the partition is paused meanwhile
    await produce(topic, 1, 0, N);
    const rec = recorder(1);
    let first = true;
    const s = source({
      groupId,
      topics: [topic],
      batchSize: 1000,
      maxBatchingWindowMs: 0,
      sessionTimeoutMs: 6000, // the broker's minimum
      invoke: async (event, info) => {
        if (first) {
          first = false;
          await new Promise((r) => setTimeout(r, 9000)); // 1.5 sessions
        }
        await rec.invoke(event, info);
      },
    });
    await s.start();
    await until('all committed', async () => (await committed(groupId, topic))[0] === N, 90_000);
    await s.stop();
    expect(rec.delivered(0)).toEqual(Array.from({ length: N }, (_, i) => i)); // once each, in order
    // One assignment: the group never rebalanced away from the slow member.
    expect(logs.filter((l) => l.includes(`group ${groupId} assigned`))).toHaveLength(1);
  });

  it('LATEST skips what was there before a new group started; TRIM_HORIZON would not', async () => {
    const topic = await newTopic(1);
    await produce(topic, 1, 100, 5);
    const rec = recorder(1);
    const s = source({
      groupId: newGroup(),
      topics: [topic],
      batchSize: 10,
      maxBatchingWindowMs: 0,
      startingPosition: 'LATEST',
      invoke: rec.invoke,
    });
    await s.start();
    // LATEST is resolved when the group first gets the partition; produce only after that.
    await until('partition assigned', () => logs.some((l) => l.includes(`assigned ${topic}-0`)));
    await new Promise((r) => setTimeout(r, 1000));
    await produce(topic, 1, 200, 3);
    await until('new records delivered', () => rec.delivered(0).length >= 3);
    await s.stop();
    expect(rec.delivered(0)).toEqual([5, 6, 7]);
  });

  it('waits for a topic that does not exist yet and starts consuming it when it appears', async () => {
    const topic = `offline-kafka-test-${randomUUID().slice(0, 8)}`;
    const groupId = newGroup();
    const rec = recorder(1);
    const s = source({ groupId, topics: [topic], batchSize: 10, maxBatchingWindowMs: 0, topicPollMs: 500, invoke: rec.invoke });
    await s.start();
    expect(s.subscribedTopics).toEqual([]);
    expect(await admin.listTopics()).not.toContain(topic); // it did not create the topic
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    topics.push(topic);
    await produce(topic, 1, 0, 4);
    await until('delivered from the late topic', async () => (await committed(groupId, topic))[0] === 4);
    await s.stop();
    expect(rec.delivered(0)).toEqual([0, 1, 2, 3]);
    expect(logs.some((l) => l.includes(`${topic} do not exist yet`))).toBe(true);
  });
});
