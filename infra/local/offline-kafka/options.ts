/** What a KafkaEventSource is told: brokers, group, topics and each topic's batching, resolved with Lambda's defaults. */
import type { Kafka, KafkaConfig, SASLOptions } from 'kafkajs';
import type { RetryPolicy } from '../offline-common/retry';
import type { EventSourceMeta, StartingPosition, TopicOptions } from '../lib/kafkaEvents';
import type { SourceLogger } from './log';
import type { InvokeFn } from './partition';

export type { StartingPosition, TopicOptions };

export interface KafkaEventSourceOptions {
  brokers: string[];
  groupId: string;
  topics: Array<string | TopicOptions>;
  /** Max records per invocation (Lambda's default for Kafka: 100). */
  batchSize?: number;
  /** How long to wait to fill a batch (Lambda's default for Kafka: 500 ms). */
  maxBatchingWindowMs?: number;
  /** Where a new consumer group starts (TRIM_HORIZON = earliest, LATEST = new records only). */
  startingPosition?: StartingPosition;
  meta?: EventSourceMeta;
  /** Delivers one batch; must throw (reject) when the function failed. */
  invoke: InvokeFn;
  retry?: Partial<RetryPolicy>;
  logger?: SourceLogger;
  /** Prefix of every log line, e.g. the function name. */
  label?: string;
  clientId?: string;
  ssl?: boolean;
  sasl?: SASLOptions;
  /** How often to look for topics that did not exist yet. */
  topicPollMs?: number;
  sessionTimeoutMs?: number;
  /** Builds the kafkajs client from the config made of the options above (default: `new Kafka(config)`; tests wrap it). */
  client?: (config: KafkaConfig) => Kafka;
  /** Largest event sent in one invocation (default: Lambda's 6 MB synchronous payload limit). */
  maxEventBytes?: number;
}

export interface ResolvedTopic {
  topic: string;
  batchSize: number;
  windowMs: number;
  startingPosition: StartingPosition;
  meta: EventSourceMeta;
}

export const DEFAULT_BATCH_SIZE = 100;
export const DEFAULT_WINDOW_MS = 500;
export const MAX_EVENT_BYTES = 6 * 1024 * 1024 - 64 * 1024;
export const FETCH_MAX_WAIT_MS = 100;
/** The group session: how long a member killed without leaving holds its partitions (kafkajs default: 30 s). */
export const SESSION_TIMEOUT_MS = 10_000;

export function resolveTopics(o: KafkaEventSourceOptions): ResolvedTopic[] {
  const meta: EventSourceMeta = o.meta ?? { kind: 'SelfManagedKafka', bootstrapServers: o.brokers.join(',') };
  const seen = new Set<string>();
  return o.topics.map((t) => {
    const spec: TopicOptions = typeof t === 'string' ? { topic: t } : t;
    if (seen.has(spec.topic)) throw new Error(`topic ${spec.topic} is listed twice for group ${o.groupId}`);
    seen.add(spec.topic);
    const batchSize = spec.batchSize ?? o.batchSize ?? DEFAULT_BATCH_SIZE;
    const windowMs = spec.maxBatchingWindowMs ?? o.maxBatchingWindowMs ?? DEFAULT_WINDOW_MS;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new Error(`batchSize of ${spec.topic} must be a positive integer, got ${batchSize}`);
    if (!(windowMs >= 0)) throw new Error(`maxBatchingWindowMs of ${spec.topic} must be >= 0, got ${windowMs}`);
    return {
      topic: spec.topic,
      batchSize,
      windowMs,
      startingPosition: spec.startingPosition ?? o.startingPosition ?? 'TRIM_HORIZON',
      meta: spec.meta ?? meta,
    };
  });
}
