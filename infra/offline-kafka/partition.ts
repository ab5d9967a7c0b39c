/**
 * One worker per assigned topic-partition: it buffers what the consumer fetched, cuts batches by
 * batchSize / maximumBatchingWindow, invokes the function with one batch at a time (so a partition
 * never has two batches in flight and order is kept), retries a failed batch forever with capped
 * exponential backoff (a batch is never skipped), and commits `lastOffset + 1` only after success.
 */
import { buildKafkaEvent, type EventSourceMeta, type LambdaKafkaEvent, type SourceMessage } from './event';
import { backoffDelay, type RetryPolicy } from '../offline-common/retry';
import { errorMessage, type SourceLogger } from './log';

export type BatchDecision = { kind: 'deliver'; count: number } | { kind: 'wait'; ms: number };

/**
 * Lambda's batching rule: invoke as soon as batchSize records are there, otherwise once the oldest
 * buffered record has waited maximumBatchingWindow. On shutdown nothing new is started.
 */
export function decideBatch(args: {
  buffered: number;
  batchSize: number;
  windowMs: number;
  oldestArrivalMs: number | undefined;
  nowMs: number;
}): BatchDecision {
  const { buffered, batchSize, windowMs, oldestArrivalMs, nowMs } = args;
  if (buffered === 0 || oldestArrivalMs === undefined) return { kind: 'wait', ms: Infinity };
  if (buffered >= batchSize) return { kind: 'deliver', count: batchSize };
  const waited = nowMs - oldestArrivalMs;
  if (waited >= windowMs) return { kind: 'deliver', count: buffered };
  return { kind: 'wait', ms: windowMs - waited };
}

export interface BatchInfo {
  topic: string;
  partition: number;
  firstOffset: number;
  lastOffset: number;
  count: number;
  /** 1 for the first try of this batch. */
  attempt: number;
}

export type InvokeFn = (event: LambdaKafkaEvent, info: BatchInfo) => Promise<void>;

export interface PartitionWorkerOptions {
  topic: string;
  partition: number;
  batchSize: number;
  windowMs: number;
  meta: EventSourceMeta;
  retry: RetryPolicy;
  invoke: InvokeFn;
  /** Persist the consumer group's position; `offset` is the next offset to read. */
  commit: (offset: string) => Promise<void>;
  /** Flow control: stop/start fetching this partition when the buffer is full/drained. */
  pause: () => void;
  resume: () => void;
  highWater: number;
  /** Lambda's synchronous payload limit (6 MB); a batch whose event is bigger is cut down. */
  maxEventBytes: number;
  log: SourceLogger;
  label: string;
}

interface Buffered {
  message: SourceMessage;
  arrivedAt: number;
}

/** A promise-based sleep that `wake()` cuts short. */
class Waker {
  #resolve: (() => void) | undefined;
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (timer) clearTimeout(timer);
        if (this.#resolve === done) this.#resolve = undefined;
        resolve();
      };
      if (Number.isFinite(ms)) timer = setTimeout(done, Math.max(0, ms));
      this.#resolve = done;
    });
  }
  wake(): void {
    this.#resolve?.();
  }
}

export class PartitionWorker {
  readonly #o: PartitionWorkerOptions;
  #buffer: Buffered[] = [];
  /** Highest offset accepted into the buffer: refetches after a rebalance are dropped below it. */
  #highestSeen = -1;
  #paused = false;
  #stopping = false;
  /** Woken by new data and by stop: the batching wait. */
  #waker = new Waker();
  /** Woken only by stop: the retry backoff, which new data must not cut short. */
  #stopWaker = new Waker();
  #loop: Promise<void> | undefined;
  /** Offsets delivered and committed, for tests and logs. */
  committedUpTo = -1;

  constructor(options: PartitionWorkerOptions) {
    this.#o = options;
  }

  get key(): string {
    return `${this.#o.topic}-${this.#o.partition}`;
  }

  get buffered(): number {
    return this.#buffer.length;
  }

  /** Start the delivery loop, after `previous` (an older worker of the same partition) has finished. */
  start(previous?: Promise<void>): void {
    this.#loop = (async () => {
      if (previous) await previous;
      await this.#run();
    })().catch((err: unknown) => {
      this.#o.log.error(`${this.#o.label} ${this.key}: delivery loop crashed: ${errorMessage(err)}`);
    });
  }

  push(messages: readonly SourceMessage[], now = Date.now()): void {
    if (this.#stopping) return;
    let added = 0;
    for (const message of messages) {
      const offset = Number(message.offset);
      if (offset <= this.#highestSeen) continue; // already buffered, in flight or delivered
      this.#highestSeen = offset;
      this.#buffer.push({ message, arrivedAt: now });
      added++;
    }
    if (added === 0) return;
    if (!this.#paused && this.#buffer.length >= this.#o.highWater) {
      this.#paused = true;
      this.#o.pause();
      this.#o.log.debug(`${this.#o.label} ${this.key}: paused fetching at ${this.#buffer.length} buffered records`);
    }
    this.#waker.wake();
  }

  /** Stop taking new batches; the batch in flight (if any) finishes and commits first. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#waker.wake();
    this.#stopWaker.wake();
    await this.#loop;
  }

  get done(): Promise<void> {
    return this.#loop ?? Promise.resolve();
  }

  async #run(): Promise<void> {
    const o = this.#o;
    while (!this.#stopping) {
      const decision = decideBatch({
        buffered: this.#buffer.length,
        batchSize: o.batchSize,
        windowMs: o.windowMs,
        oldestArrivalMs: this.#buffer[0]?.arrivedAt,
        nowMs: Date.now(),
      });
      if (decision.kind === 'wait') {
        await this.#waker.sleep(decision.ms);
        continue;
      }
      const batch = this.#fitPayload(this.#buffer.slice(0, decision.count).map((b) => b.message));
      const delivered = await this.#deliver(batch);
      if (!delivered) return; // stopping mid-retry: the batch stays uncommitted and is redelivered next run
      const first = batch[0];
      const last = batch[batch.length - 1];
      if (!first || !last) return;
      await this.#commit(String(Number(last.offset) + 1));
      this.#buffer.splice(0, batch.length);
      if (this.#paused && this.#buffer.length < o.highWater / 2) {
        this.#paused = false;
        o.resume();
        o.log.debug(`${o.label} ${this.key}: resumed fetching at ${this.#buffer.length} buffered records`);
      }
    }
  }

  /** Halve the batch until its event fits the payload limit (a single record always goes, as is). */
  #fitPayload(batch: SourceMessage[]): SourceMessage[] {
    const o = this.#o;
    let count = batch.length;
    while (count > 1) {
      const event = buildKafkaEvent(o.meta, [{ topic: o.topic, partition: o.partition, messages: batch.slice(0, count) }]);
      if (Buffer.byteLength(JSON.stringify(event)) <= o.maxEventBytes) break;
      count = Math.ceil(count / 2);
    }
    if (count < batch.length)
      o.log.warn(`${o.label} ${this.key}: batch cut to ${count} records to stay under ${o.maxEventBytes} bytes`);
    return batch.slice(0, count);
  }

  /** Invoke until it succeeds; false only if asked to stop while waiting to retry. */
  async #deliver(batch: SourceMessage[]): Promise<boolean> {
    const o = this.#o;
    const firstOffset = Number(batch[0]?.offset);
    const lastOffset = Number(batch[batch.length - 1]?.offset);
    const event = buildKafkaEvent(o.meta, [{ topic: o.topic, partition: o.partition, messages: batch }]);
    for (let attempt = 1; ; attempt++) {
      const info: BatchInfo = { topic: o.topic, partition: o.partition, firstOffset, lastOffset, count: batch.length, attempt };
      const started = Date.now();
      try {
        await o.invoke(event, info);
        o.log.info(
          `${o.label} ${this.key} offsets ${firstOffset}..${lastOffset} (${batch.length} records) ` +
            `invoked in ${Date.now() - started} ms${attempt > 1 ? ` after ${attempt - 1} failed attempt(s)` : ''}`,
        );
        return true;
      } catch (err) {
        const delay = backoffDelay(attempt, o.retry);
        o.log.error(
          `${o.label} ${this.key} offsets ${firstOffset}..${lastOffset} (${batch.length} records) ` +
            `failed on attempt ${attempt} after ${Date.now() - started} ms: ${errorMessage(err)}; ` +
            (this.#stopping ? 'stopping, batch stays uncommitted' : `retrying the same batch in ${delay} ms`),
        );
        if (this.#stopping) return false;
        await this.#stopWaker.sleep(delay);
        if (this.#stopping) {
          o.log.warn(`${o.label} ${this.key}: stopped before the retry; offsets ${firstOffset}..${lastOffset} stay uncommitted`);
          return false;
        }
      }
    }
  }

  /**
   * A failed commit is retried a few times, then logged: the records were delivered, a later commit
   * supersedes this one, and at worst they are delivered again after a restart (the writer is idempotent).
   */
  async #commit(offset: string): Promise<void> {
    const o = this.#o;
    for (let attempt = 1; attempt <= 5; attempt++) {
      try {
        await o.commit(offset);
        this.committedUpTo = Number(offset) - 1;
        o.log.debug(`${o.label} ${this.key}: committed offset ${offset}`);
        return;
      } catch (err) {
        const delay = backoffDelay(attempt, o.retry);
        o.log.warn(`${o.label} ${this.key}: commit of offset ${offset} failed (attempt ${attempt}): ${errorMessage(err)}`);
        if (attempt < 5) await new Promise((r) => setTimeout(r, delay));
      }
    }
    o.log.error(
      `${o.label} ${this.key}: giving up committing offset ${offset}; those records may be delivered again after a restart`,
    );
  }
}
