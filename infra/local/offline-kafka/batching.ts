/**
 * Lambda's batching rule for a Kafka partition, as a pure function of what is buffered, and the
 * size a record takes in the event (Lambda's 6 MB payload limit cuts batches by bytes, too).
 */
import type { SourceMessage } from './event';

export type BatchDecision = { kind: 'deliver'; count: number } | { kind: 'wait'; ms: number };

/**
 * Lambda's batching rule, as its pollers apply it: invoke as soon as a batch is full (batchSize
 * records, or as many as fit the payload limit), and while the partition holds more records than
 * are buffered (a backlog), keep topping the batch up from the next fetch rather than waiting out
 * the window; only a partition that is caught up waits, up to maximumBatchingWindow from its
 * oldest buffered record. `fitting` is how many buffered records fit one event's payload.
 */
export function decideBatch(args: {
  buffered: number;
  batchSize: number;
  windowMs: number;
  oldestArrivalMs: number | undefined;
  nowMs: number;
  /** How many of the buffered records fit under the payload limit (default: all). */
  fitting?: number;
  /** The broker holds records beyond the buffer (its high watermark is ahead of what we have). */
  behind?: boolean;
  /** Fetching is paused (buffer full): nothing more will arrive until a batch is delivered. */
  paused?: boolean;
  /** When the last fetch brought records (with a backlog, the window counts from there). */
  lastPushMs?: number;
}): BatchDecision {
  const { buffered, batchSize, windowMs, oldestArrivalMs, nowMs } = args;
  if (buffered === 0 || oldestArrivalMs === undefined) return { kind: 'wait', ms: Infinity };
  const fitting = Math.min(args.fitting ?? buffered, buffered);
  const full = Math.min(batchSize, fitting);
  if (buffered >= batchSize || fitting < buffered) return { kind: 'deliver', count: full };
  if (args.behind) {
    // A backlog with fetching paused: nothing more arrives until this batch goes, so it goes now.
    if (args.paused) return { kind: 'deliver', count: full };
    // Otherwise the next fetch is moments away (it wakes us): top the batch up. The records may
    // have waited long already (buffered behind earlier batches), so the window counts from the
    // last fetch: a fetch that brings nothing for a whole window ends the wait.
    const sinceFetch = nowMs - (args.lastPushMs ?? oldestArrivalMs);
    return sinceFetch >= windowMs ? { kind: 'deliver', count: full } : { kind: 'wait', ms: windowMs - sinceFetch };
  }
  const waited = nowMs - oldestArrivalMs;
  if (waited >= windowMs) return { kind: 'deliver', count: full };
  return { kind: 'wait', ms: windowMs - waited };
}

const base64Len = (n: number): number => 4 * Math.ceil(n / 3);
/** Event JSON around the records: eventSource, bootstrapServers, the records key. */
export const EVENT_OVERHEAD = 1024;

/**
 * An upper bound of one record's size in the Lambda event's JSON, without building it: the fixed
 * fields, base64 key and value, and headers as arrays of byte numbers (at most 4 characters a byte).
 */
export function recordJsonBytes(topic: string, m: SourceMessage): number {
  let n = 140 + topic.length + m.offset.length + m.timestamp.length;
  if (m.key) n += base64Len(m.key.length);
  if (m.value) n += base64Len(m.value.length);
  for (const [name, raw] of Object.entries(m.headers ?? {})) {
    for (const v of Array.isArray(raw) ? raw : [raw]) {
      if (v !== undefined) n += name.length + 8 + 4 * Buffer.byteLength(v);
    }
  }
  return n;
}
