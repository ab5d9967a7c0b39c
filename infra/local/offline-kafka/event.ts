/**
 * Builds the Lambda event for a batch of Kafka records, in the shape AWS Lambda delivers for a
 * self-managed Kafka or MSK event source mapping.
 *
 * Shape verified against the AWS documentation's example payload
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-kafka.html, mirrored by the Powertools
 * parser schema KafkaSelfManagedEventSchema / KafkaMskEventSchema,
 * https://docs.aws.amazon.com/powertools/typescript/2.13.0/api/types/_aws-lambda-powertools_parser.types.KafkaSelfManagedEvent.html):
 *   { eventSource: "SelfManagedKafka" | "aws:kafka", eventSourceArn (MSK only),
 *     bootstrapServers: "host:port,host:port",
 *     records: { "<topic>-<partition>": [ { topic, partition, offset, timestamp, timestampType,
 *                                           key (base64), value (base64),
 *                                           headers: [ { "<name>": [byte, ...] } ] } ] } }
 * Offsets and timestamps are JSON numbers; header values are arrays of byte numbers.
 */
import type { EventSourceMeta, KafkaEventSourceKind } from '../lib/kafkaEvents';

export type { EventSourceMeta, KafkaEventSourceKind };

export interface LambdaKafkaRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  /** base64; omitted when the record has no key (as Lambda does). */
  key?: string;
  /** base64; null for a tombstone. */
  value: string | null;
  headers: Array<Record<string, number[]>>;
}

export interface LambdaKafkaEvent {
  eventSource: KafkaEventSourceKind;
  eventSourceArn?: string;
  bootstrapServers: string;
  records: Record<string, LambdaKafkaRecord[]>;
}

/** The part of a kafkajs message the event needs (kafkajs gives offsets and timestamps as strings). */
export interface SourceMessage {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

/** Records of an event are grouped under `<topic>-<partition>`, exactly as Lambda keys them. */
export function recordsKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

function toSafeNumber(what: string, raw: string): number {
  const n = Number(raw);
  // A Kafka offset or epoch-ms beyond 2^53 cannot be represented in JSON numbers without loss.
  if (!Number.isSafeInteger(n)) throw new Error(`Kafka ${what} ${raw} is not a safe integer`);
  return n;
}

/**
 * kafkajs folds repeated header names into an array; Lambda sends one `{name: bytes}` object per
 * header occurrence, so each array element becomes its own entry.
 */
export function toLambdaHeaders(headers: SourceMessage['headers']): Array<Record<string, number[]>> {
  const out: Array<Record<string, number[]>> = [];
  for (const [name, raw] of Object.entries(headers ?? {})) {
    if (raw === undefined) continue;
    const values = Array.isArray(raw) ? raw : [raw];
    for (const v of values) {
      const bytes = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
      out.push({ [name]: Array.from(bytes) });
    }
  }
  return out;
}

export function toLambdaRecord(topic: string, partition: number, message: SourceMessage): LambdaKafkaRecord {
  const record: LambdaKafkaRecord = {
    topic,
    partition,
    offset: toSafeNumber('offset', message.offset),
    timestamp: toSafeNumber('timestamp', message.timestamp),
    // kafkajs does not surface the batch's timestamp type; Debezium and our producers use create time.
    timestampType: 'CREATE_TIME',
    value: message.value === null ? null : message.value.toString('base64'),
    headers: toLambdaHeaders(message.headers),
  };
  if (message.key !== null) record.key = message.key.toString('base64');
  return record;
}

/** One topic-partition's slice of a batch. */
export interface PartitionBatch {
  topic: string;
  partition: number;
  messages: readonly SourceMessage[];
}

export function buildKafkaEvent(meta: EventSourceMeta, batches: readonly PartitionBatch[]): LambdaKafkaEvent {
  const records: Record<string, LambdaKafkaRecord[]> = {};
  for (const b of batches) {
    if (b.messages.length === 0) continue;
    const key = recordsKey(b.topic, b.partition);
    const list = records[key] ?? (records[key] = []);
    for (const m of b.messages) list.push(toLambdaRecord(b.topic, b.partition, m));
  }
  // MSK events carry the cluster ARN between eventSource and bootstrapServers; self-managed ones have none.
  if (meta.kind === 'aws:kafka') {
    return {
      eventSource: meta.kind,
      eventSourceArn: meta.eventSourceArn ?? '',
      bootstrapServers: meta.bootstrapServers,
      records,
    };
  }
  return { eventSource: meta.kind, bootstrapServers: meta.bootstrapServers, records };
}
