/**
 * The loader's queue: SQS messages whose bodies are S3 event notifications, turned into load
 * requests that remember their message, so the handler can name the messages to retry
 * (ReportBatchItemFailures) and let the others go.
 */
import { decodeLakeEventKey, type LoadReport, type LoadRequest } from '../functions/loader';
import { s3EventSchema } from './events';
import { validateWith } from './validation';

export interface QueuedRequests {
  requests: LoadRequest[];
  /** Each request's key -> the message(s) that named it. */
  messagesByKey: Map<string, string[]>;
  /** Messages that are not S3 events at all (left for the redrive policy's dead-letter queue). */
  unreadable: Array<{ messageId: string; reason: string }>;
  /** S3's test message when the notification is set up: nothing to load. */
  testEvents: number;
}

/** The messages of an SQS batch, as much of them as is read here (events.ts has the whole shape). */
export interface SqsMessages {
  Records: ReadonlyArray<{ messageId: string; body: string }>;
}

export function requestsFromSqs(event: SqsMessages): QueuedRequests {
  const out: QueuedRequests = { requests: [], messagesByKey: new Map(), unreadable: [], testEvents: 0 };
  for (const record of event.Records) {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      out.unreadable.push({ messageId: record.messageId, reason: 'body is not JSON' });
      continue;
    }
    if ((body as { Event?: unknown } | null)?.Event === 's3:TestEvent') {
      out.testEvents++;
      continue;
    }
    const parsed = validateWith(s3EventSchema, body);
    if (!parsed.success) {
      const reason = `body is not an S3 event notification: ${parsed.problems.slice(0, 3).join('; ')}`;
      out.unreadable.push({ messageId: record.messageId, reason });
      continue;
    }
    for (const r of parsed.data.Records) {
      const key = decodeLakeEventKey(r.s3.object.key);
      out.requests.push({ bucket: r.s3.bucket.name, key, etag: r.s3.object.eTag ?? null });
      const ids = out.messagesByKey.get(key) ?? [];
      if (!ids.includes(record.messageId)) ids.push(record.messageId);
      out.messagesByKey.set(key, ids);
    }
  }
  return out;
}

/**
 * The messages to retry: those with an object the loader left for later (the deadline) and the
 * unreadable ones. A confirmed corrupt object is not retried: it is in raw._load_errors, and a
 * retry could not fix it (npm run backfill re-drives it once fixed).
 */
export function batchItemFailures(queued: QueuedRequests, report: LoadReport): Array<{ itemIdentifier: string }> {
  const ids = new Set<string>(queued.unreadable.map((u) => u.messageId));
  for (const o of report.outcomes) {
    if (o.status === 'deferred') for (const id of queued.messagesByKey.get(o.key) ?? []) ids.add(id);
  }
  return [...ids].map((itemIdentifier) => ({ itemIdentifier }));
}
