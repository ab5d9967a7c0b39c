/**
 * Zod schemas of the Lambda events our handlers accept. Shapes follow AWS's documentation and
 * were checked against events recorded from serverless-offline and MinIO (events/*.json).
 */
import { z } from 'zod';

/** One Kafka record as Lambda delivers it (self-managed Kafka and MSK share it). */
export const kafkaRecordSchema = z.object({
  topic: z.string(),
  partition: z.number().int(),
  offset: z.number().int(),
  timestamp: z.number().optional(),
  timestampType: z.string().optional(),
  // base64; absent or null for a tombstone
  key: z.string().nullish(),
  value: z.string().nullish(),
  headers: z.array(z.record(z.string(), z.array(z.number()))).optional(),
});

export const kafkaEventSchema = z.object({
  eventSource: z.enum(['SelfManagedKafka', 'aws:SelfManagedKafka', 'aws:kafka']),
  eventSourceArn: z.string().optional(),
  bootstrapServers: z.string().optional(),
  records: z.record(z.string(), z.array(kafkaRecordSchema)),
});

export type KafkaEvent = z.infer<typeof kafkaEventSchema>;

export const s3EventSchema = z.object({
  Records: z.array(
    z.object({
      eventName: z.string(),
      eventSource: z.string().optional(),
      s3: z.object({
        bucket: z.object({ name: z.string() }),
        object: z.object({
          key: z.string(),
          size: z.number().optional(),
          eTag: z.string().optional(),
          sequencer: z.string().optional(),
        }),
      }),
    }),
  ),
});

export type S3Event = z.infer<typeof s3EventSchema>;

/**
 * An SQS batch (the loader's queue, fed by the bucket's notifications): each body is an S3 event
 * notification as JSON, or S3's one-off `s3:TestEvent` when the notification is configured.
 */
export const sqsEventSchema = z.object({
  Records: z
    .array(
      z.object({
        messageId: z.string(),
        body: z.string(),
        eventSource: z.literal('aws:sqs'),
        eventSourceARN: z.string().optional(),
        attributes: z.record(z.string(), z.string()).optional(),
      }),
    )
    .min(1),
});

export type SqsEvent = z.infer<typeof sqsEventSchema>;

/** The loader's scheduled sweep (serverless.yml: a schedule on loadObject with this input). */
export const sweepEventSchema = z.object({ sweep: z.literal(true), days: z.number().int().positive().optional() });

// SQS first: an SQS record has no `s3` field, so it can never pass as an S3 event, and vice versa.
export const loadObjectEventSchema = z.union([sqsEventSchema, s3EventSchema, sweepEventSchema]);

/** EventBridge scheduled event; `sls invoke local` without --data sends {} so everything is optional. */
export const scheduleEventSchema = z
  .object({
    'detail-type': z.string().optional(),
    source: z.string().optional(),
    time: z.string().optional(),
    // Overrides for a one-off run, e.g. `sls invoke local -f generate --data '{"iterations":3}'`
    iterations: z.number().int().positive().optional(),
    seed: z.number().int().optional(),
  })
  .passthrough();

export type ScheduleEvent = z.infer<typeof scheduleEventSchema>;
