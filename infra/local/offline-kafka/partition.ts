/**
 * One worker per assigned topic-partition: it buffers what the consumer fetched, cuts batches by
 * batchSize / maximumBatchingWindow, invokes the function with one batch at a time (so a partition
 * never has two batches in flight and order is kept), retries a failed batch forever with capped
 * exponential backoff (a batch is never skipped), and commits `lastOffset + 1` only after success.
 */
import { decideBatch, EVENT_OVERHEAD, recordJsonBytes } from './batching';
import { buildKafkaEvent, type EventSourceMeta, type LambdaKafkaEvent, type SourceMessage } from './event';
import { backoffDelay, type RetryPolicy } from '../offline-common/retry';
import { errorMessage, type SourceLogger } from './log';

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
  /** Records buffered before fetching pauses (it also pauses at twice maxEventBytes buffered). */
  highWater: number;
  /** Lambda's synchronous payload limit (6 MB); a batch whose event would be bigger is cut down. */
  maxEventBytes: number;
  log: SourceLogger;
  label: string;
}

interface Buffered {
  message: SourceMessage;
  arrivedAt: number;
  /** Upper bound of the record's size in the event's JSON. */
  bytes: number;
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
  #bufferedBytes = 0;
  /** The broker's end offset of this partition, as of the last fetch. */
  #highWatermark = -1;
  #lastPushAt = 0;
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

  /** Buffer fetched records; `highWatermark` is the partition's end offset the fetch reported. */
  push(messages: readonly SourceMessage[], now = Date.now(), highWatermark?: string | number): void {
    if (this.#stopping) return;
    if (highWatermark !== undefined) this.#highWatermark = Math.max(this.#highWatermark, Number(highWatermark));
    let added = 0;
    for (const message of messages) {
      const offset = Number(message.offset);
      if (offset <= this.#highestSeen) continue; // already buffered, in flight or delivered
      this.#highestSeen = offset;
      const bytes = recordJsonBytes(this.#o.topic, message);
      this.#buffer.push({ message, arrivedAt: now, bytes });
      this.#bufferedBytes += bytes;
      added++;
    }
    if (added === 0) return;
    this.#lastPushAt = now;
    if (!this.#paused && this.#full()) {
      this.#paused = true;
      this.#o.pause();
      this.#o.log.debug(`${this.#o.label} ${this.key}: paused fetching at ${this.#buffer.length} buffered records`);
    }
    this.#waker.wake();
  }

  /** Bounded buffer: records, and bytes (two full events), whichever comes first. */
  #full(): boolean {
    return this.#buffer.length >= this.#o.highWater || this.#bufferedBytes >= 2 * this.#o.maxEventBytes;
  }

  #drainedEnough(): boolean {
    return this.#buffer.length < this.#o.highWater / 2 && this.#bufferedBytes < this.#o.maxEventBytes;
  }

  /** How many buffered records, from the oldest, fit one event (at least one: a single record goes as is). */
  #fitting(limit: number): number {
    let bytes = EVENT_OVERHEAD;
    const n = Math.min(limit, this.#buffer.length);
    for (let i = 0; i < n; i++) {
      bytes += this.#buffer[i]!.bytes;
      if (bytes > this.#o.maxEventBytes) return Math.max(1, i);
    }
    return n;
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
        fitting: this.#fitting(o.batchSize + 1),
        behind: this.#highWatermark > this.#highestSeen + 1,
        paused: this.#paused,
        lastPushMs: this.#lastPushAt,
      });
      if (decision.kind === 'wait') {
        await this.#waker.sleep(decision.ms);
        continue;
      }
      const batch = this.#buffer.slice(0, decision.count).map((b) => b.message);
      const delivered = await this.#deliver(batch);
      if (!delivered) return; // stopping mid-retry: the batch stays uncommitted and is redelivered next run
      const last = batch[batch.length - 1];
      if (!last) return;
      await this.#commit(String(Number(last.offset) + 1));
      for (const b of this.#buffer.splice(0, batch.length)) this.#bufferedBytes -= b.bytes;
      if (this.#paused && this.#drainedEnough()) {
        this.#paused = false;
        o.resume();
        o.log.debug(`${o.label} ${this.key}: resumed fetching at ${this.#buffer.length} buffered records`);
      }
    }
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
