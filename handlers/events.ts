/**
 * The Lambda events our handlers accept, from the Powertools parser's schemas of AWS's events,
 * changed only where our event sources need it (each said below). Every recorded event
 * (events/*.json) and every event the local emulators build passes them (tests/unit/handlers/events.test.ts).
 * Imported file by file: the parser's schema index would load every AWS event's schema at cold start.
 */
import { z } from 'zod';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { KafkaMskEventSchema, KafkaSelfManagedEventSchema } from '@aws-lambda-powertools/parser/schemas/kafka';
import { S3Schema } from '@aws-lambda-powertools/parser/schemas/s3';
import { SqsSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import { validateWith, type Validation } from './validation';

/**
 * The Kafka event without its records: MSK's as the parser has it, self-managed Kafka's also under
 * the `aws:SelfManagedKafka` name we accepted before. kafkaEvent.ts checks the records in place:
 * the parser's KafkaRecordSchema decodes key, value and headers to UTF-8 strings (lossy for binary
 * bytes, which the writer decodes itself), rejects a tombstone (value null: Debezium sends one after
 * each delete) and a record without headers, and copies every record (zod returns a copy), which
 * cost more per record than decoding it.
 */
export const kafkaEnvelopeSchema = z.discriminatedUnion('eventSource', [
  KafkaMskEventSchema.omit({ records: true }),
  KafkaSelfManagedEventSchema.omit({ records: true }).extend({
    eventSource: z.enum(['SelfManagedKafka', 'aws:SelfManagedKafka']),
  }),
]);

/**
 * An S3 event notification (a plain S3 event, or the body of an SQS message): the parser's, except
 * that the request's source address may be any string. The parser takes only IPv4 there, and S3
 * names an IPv6 client's address (dual-stack endpoints): such an object must load, not be refused.
 */
const s3RecordSchema = S3Schema.shape.Records.element.extend({
  requestParameters: z.object({ sourceIPAddress: z.string() }),
});
export const s3EventSchema = S3Schema.extend({ Records: z.array(s3RecordSchema).min(1) });

export type S3Event = z.infer<typeof s3EventSchema>;

/**
 * An SQS batch (the loader's queue, fed by the bucket's notifications), as the parser has it. Each
 * body is checked on its own (sqsS3.ts): an S3 notification, or S3's one-off `s3:TestEvent` when the
 * notification is set up; a message that is neither goes to the queue's dead-letter queue alone.
 */
export const sqsEventSchema = SqsSchema;

export type SqsEvent = z.infer<typeof sqsEventSchema>;

/** The loader's scheduled sweep (serverless.yml: a schedule on loadObject with this input). */
export const sweepEventSchema = z.object({ sweep: z.literal(true), days: z.number().int().positive().optional() });

export type LoadObjectEvent =
  { kind: 'sqs'; event: SqsEvent } | { kind: 's3'; event: S3Event } | { kind: 'sweep'; event: z.infer<typeof sweepEventSchema> };

/**
 * loadObject's three events, told apart by a field only one has, then checked by that one's schema
 * alone, so that a problem is named in its terms (a union would only say "matches none").
 */
export function validateLoadObjectEvent(raw: unknown): Validation<LoadObjectEvent> {
  if (raw !== null && typeof raw === 'object' && 'sweep' in raw) return tagged('sweep', sweepEventSchema, raw);
  const records = (raw as { Records?: unknown } | null)?.Records;
  const sqs = Array.isArray(records) && (records[0] as { eventSource?: unknown } | undefined)?.eventSource === 'aws:sqs';
  return sqs ? tagged('sqs', sqsEventSchema, raw) : tagged('s3', s3EventSchema, raw);
}

function tagged<K extends LoadObjectEvent['kind'], T>(kind: K, schema: z.ZodType<T>, raw: unknown): Validation<LoadObjectEvent> {
  const v = validateWith(schema, raw, `${kind} event`);
  return v.success ? { success: true, data: { kind, event: v.data } as LoadObjectEvent } : v;
}

/**
 * What the generator's schedule sends (an EventBridge scheduled event, fields as the parser has them)
 * or a one-off run's overrides; `sls invoke local` without --data sends {}, and our tests a partial
 * schedule event, so every field is optional.
 */
export const scheduleEventSchema = EventBridgeSchema.pick({ 'detail-type': true, source: true, time: true })
  .partial()
  .extend({
    // Overrides for a one-off run, e.g. `sls invoke local -f generate --data '{"iterations":3}'`
    iterations: z.number().int().positive().optional(),
    seed: z.number().int().optional(),
  })
  .passthrough();

export type ScheduleEvent = z.infer<typeof scheduleEventSchema>;
