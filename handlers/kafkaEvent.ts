/**
 * Validation of the Kafka event without copying it. zod's parse returns a deep copy of its input,
 * which for a batch of thousands of records (headers included) cost more per record than
 * decoding it; this checks the same shape as events.ts's kafkaEventSchema in place, field by
 * field, and returns the event itself. A unit test keeps the two in agreement.
 */
import type { KafkaEvent } from './events';

const SOURCES = new Set(['SelfManagedKafka', 'aws:SelfManagedKafka', 'aws:kafka']);

export type Validation<T> = { success: true; data: T } | { success: false; problems: string[] };

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
  const problems: string[] = [];
  if (typeof raw.eventSource !== 'string' || !SOURCES.has(raw.eventSource)) {
    problems.push(`eventSource: expected one of ${[...SOURCES].join(', ')}`);
  }
  if (!optionalString(raw.eventSourceArn)) problems.push('eventSourceArn: expected a string');
  if (!optionalString(raw.bootstrapServers)) problems.push('bootstrapServers: expected a string');
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
