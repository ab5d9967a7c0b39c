/**
 * The CDC topics, created before Debezium writes to them so they get the partition count from
 * KAFKA_TOPIC_PARTITIONS (Connect's topic.creation applies only to topics Connect creates, and
 * never changes an existing one). An existing topic with fewer partitions is grown; one with more
 * is left as it is (Kafka cannot shrink a topic) and said so.
 *
 * Growing a topic moves some keys to a new partition: their later changes land there while older
 * ones stay behind. Nothing is lost or reordered where it matters: each change carries its LSN,
 * and staging takes the latest change per key by LSN, not by Kafka order.
 */
import { Kafka, logLevel } from 'kafkajs';
import { kafkaBrokers, type Settings } from '../settings';
import { ConfigError } from '../../../../functions/shared/errors';
import { isDeclared, topicFor, type TableName } from '../../../../functions/shared/tables';
import { parseCapturedTables } from '../../../../functions/shared/capturedTables';

/**
 * KAFKA_TOPIC_PARTITIONS as a count per captured table (CAPTURED_TABLES; tables not named get 1).
 * A table of tables.ts named there but not captured is ignored (the default names all three); any
 * other name is a mistake and stops start-up.
 */
export function topicPartitions(cfg: Pick<Settings, 'KAFKA_TOPIC_PARTITIONS' | 'CAPTURED_TABLES'>): Map<TableName, number> {
  const captured = parseCapturedTables(cfg.CAPTURED_TABLES);
  const out = new Map(captured.map((t) => [t, 1]));
  for (const pair of cfg.KAFKA_TOPIC_PARTITIONS.split(',')) {
    const [name, count] = pair.split('=').map((s) => s.trim()) as [string, string];
    if (out.has(name)) out.set(name, Number(count));
    else if (!isDeclared(name)) {
      throw new ConfigError(`KAFKA_TOPIC_PARTITIONS names ${name}, which is not in CAPTURED_TABLES (${captured.join(', ')})`, [
        `KAFKA_TOPIC_PARTITIONS: unknown table ${name}`,
      ]);
    }
  }
  return out;
}

export type TopicChange = {
  topic: string;
  action: 'created' | 'grown' | 'unchanged' | 'more than configured';
  partitions: number;
};

/**
 * Create the CDC topics with their partition counts, or grow them to it. Idempotent, so a try that
 * meets a broker still settling (a fresh broker answers "does not host this topic-partition" for a
 * while, seen in CI) is simply repeated until `deadlineMs`.
 */
export async function ensureCdcTopics(
  cfg: Settings,
  log: (m: string) => void = () => undefined,
  deadlineMs = 60_000,
): Promise<TopicChange[]> {
  const until = Date.now() + deadlineMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await ensureCdcTopicsOnce(cfg, log);
    } catch (e) {
      const retriable = (e as { retriable?: boolean }).retriable !== false && !(e instanceof ConfigError);
      if (!retriable || Date.now() > until) throw e;
      log(`kafka: topics not settled yet (${(e as Error).message}); retrying (try ${attempt})`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function ensureCdcTopicsOnce(cfg: Settings, log: (m: string) => void): Promise<TopicChange[]> {
  const wanted = topicPartitions(cfg);
  const kafka = new Kafka({ clientId: 'banking-cdc-topics', brokers: kafkaBrokers(cfg), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const ours = [...wanted.keys()].map((t) => topicFor(t, cfg.KAFKA_TOPIC_PREFIX)).filter((t) => existing.has(t));
    // An empty list would ask for every topic's metadata, Connect's own half-created ones included.
    const meta = ours.length ? await admin.fetchTopicMetadata({ topics: ours }) : { topics: [] };
    const current = new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
    const changes: TopicChange[] = [];
    const create: { topic: string; numPartitions: number; replicationFactor: number }[] = [];
    const grow: { topic: string; count: number }[] = [];
    for (const [table, want] of wanted) {
      const topic = topicFor(table, cfg.KAFKA_TOPIC_PREFIX);
      const have = current.get(topic);
      if (have === undefined) {
        create.push({ topic, numPartitions: want, replicationFactor: 1 });
        changes.push({ topic, action: 'created', partitions: want });
      } else if (have < want) {
        grow.push({ topic, count: want });
        changes.push({ topic, action: 'grown', partitions: want });
      } else {
        changes.push({ topic, action: have === want ? 'unchanged' : 'more than configured', partitions: have });
      }
    }
    if (create.length) await admin.createTopics({ topics: create, waitForLeaders: true });
    if (grow.length) await admin.createPartitions({ topicPartitions: grow });
    for (const c of changes) {
      if (c.action === 'created' || c.action === 'grown')
        log(`kafka: topic ${c.topic} ${c.action} with ${c.partitions} partition(s)`);
      if (c.action === 'more than configured')
        log(
          `kafka: topic ${c.topic} has ${c.partitions} partitions, more than KAFKA_TOPIC_PARTITIONS asks (topics cannot shrink)`,
        );
    }
    return changes;
  } finally {
    await admin.disconnect();
  }
}
