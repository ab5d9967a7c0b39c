/**
 * Validation of the Kafka event without copying its records: the envelope by the Powertools
 * parser's schema (events.ts's kafkaEnvelopeSchema: a few fields, once per event), each record in
 * place, field by field (why not by the parser's record schema: events.ts). zod's parse returns a
 * copy of its input, which for a batch of thousands of records cost more per record than decoding
 * them; this returns the event itself.
 */
import { kafkaEnvelopeSchema } from './events';
import { validateWith, type Validation } from './validation';

/** One Kafka record as Lambda delivers it (self-managed Kafka and MSK share it). */
export interface KafkaRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp?: number;
  timestampType?: string;
  /** base64; absent or null for a record without key, or for a tombstone's value. */
  key?: string | null;
  value?: string | null;
  /** One `{name: bytes}` object per header occurrence. */
  headers?: Array<Record<string, number[]>>;
}

export interface KafkaEvent {
  eventSource: 'aws:kafka' | 'SelfManagedKafka' | 'aws:SelfManagedKafka';
  eventSourceArn?: string;
  bootstrapServers?: string | null;
  records: Record<string, KafkaRecord[]>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const optionalString = (v: unknown) => v === undefined || typeof v === 'string';
const nullishString = (v: unknown) => v === undefined || v === null || typeof v === 'string';

function recordProblem(r: unknown): string | undefined {
  if (!isObject(r)) return 'expected an object';
  if (typeof r.topic !== 'string') return 'topic: expected a string';
  if (!Number.isInteger(r.partition)) return 'partition: expected an integer';
  if (!Number.isInteger(r.offset)) return 'offset: expected an integer';
  if (r.timestamp !== undefined && typeof r.timestamp !== 'number') return 'timestamp: expected a number';
  if (!optionalString(r.timestampType)) return 'timestampType: expected a string';
  if (!nullishString(r.key)) return 'key: expected a base64 string or null';
  if (!nullishString(r.value)) return 'value: expected a base64 string or null';
  if (r.headers !== undefined && !Array.isArray(r.headers)) return 'headers: expected an array';
  return undefined;
}

export function validateKafkaEvent(raw: unknown): Validation<KafkaEvent> {
  if (!isObject(raw)) return { success: false, problems: ['(event): expected an object'] };
  const envelope = validateWith(kafkaEnvelopeSchema, raw);
  const problems = envelope.success ? [] : envelope.problems;
  if (!isObject(raw.records)) problems.push('records: expected an object of arrays');
  else {
    for (const [tp, list] of Object.entries(raw.records)) {
      if (!Array.isArray(list)) {
        problems.push(`records.${tp}: expected an array`);
        continue;
      }
      for (let i = 0; i < list.length && problems.length < 10; i++) {
        const p = recordProblem(list[i]);
        if (p) problems.push(`records.${tp}.${i}.${p}`);
      }
    }
  }
  return problems.length ? { success: false, problems } : { success: true, data: raw as unknown as KafkaEvent };
}
