/**
 * The loader's queue, emulated: in AWS the bucket notifies an SQS queue and Lambda's SQS event
 * source hands the function a batch of messages, each body an S3 event notification as JSON
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html). Here each object of a batch
 * becomes one such message, so the handler runs the same code locally as in AWS; the response's
 * batchItemFailures (ReportBatchItemFailures) name the messages whose objects are retried.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { S3Event } from './event';

export interface SqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, string>;
  messageAttributes: Record<string, never>;
  md5OfBody: string;
  eventSource: 'aws:sqs';
  eventSourceARN: string;
  awsRegion: string;
}

export interface SqsEvent {
  Records: SqsRecord[];
}

export interface SqsBatch {
  event: SqsEvent;
  /** Each message's object key (decoded, as the source knows it). */
  keyOf: Map<string, string>;
}

/** One message per S3 record, as S3 sends one notification per object. */
export function buildSqsEvent(
  s3: S3Event,
  keys: readonly string[],
  o: { queueArn: string; region: string; receiveCount: number; now?: number },
): SqsBatch {
  const keyOf = new Map<string, string>();
  const sent = String(o.now ?? Date.now());
  const Records = s3.Records.map((record, i): SqsRecord => {
    const messageId = randomUUID();
    keyOf.set(messageId, keys[i]!);
    const body = JSON.stringify({ Records: [record] });
    return {
      messageId,
      receiptHandle: `offline-s3/${messageId}`,
      body,
      attributes: {
        ApproximateReceiveCount: String(o.receiveCount),
        SentTimestamp: sent,
        SenderId: 'offline-s3',
        ApproximateFirstReceiveTimestamp: sent,
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: o.queueArn,
      awsRegion: o.region,
    };
  });
  return { event: { Records }, keyOf };
}

/** The keys whose messages the function asked to have retried; a malformed answer retries the whole batch. */
export function keysToRetry(batch: SqsBatch, response: unknown): string[] {
  const failures = (response as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (failures === undefined) return [];
  if (!Array.isArray(failures)) return [...batch.keyOf.values()];
  const keys: string[] = [];
  for (const f of failures) {
    const key = batch.keyOf.get(String((f as { itemIdentifier?: unknown } | null)?.itemIdentifier));
    // An identifier that is no message of the batch: AWS then fails the whole batch.
    if (key === undefined) return [...batch.keyOf.values()];
    keys.push(key);
  }
  return keys;
}
