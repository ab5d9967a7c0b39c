/**
 * S3EventSource: S3 event notifications + Lambda's asynchronous invocation, emulated locally from
 * MinIO's notification stream (notifications.ts: milliseconds, but it loses a few events) and
 * listings of the bucket (the bucket's truth: whatever is in it gets delivered).
 *
 * - Start: a sweep delivers every matching object once, `sweepBatchSize` per invocation (the
 *   consumer is idempotent, as on AWS, where events come at least once).
 * - Then each notified object, and every `pollIntervalMs` (`notifiedPollIntervalMs` while the
 *   stream flows) a listing: objects not seen before by key and ETag (an overwrite is a new PUT),
 *   oldest first, `batchSize` per invocation. With a `finder` (newObjects.ts) a poll lists only
 *   the folders where objects can be new, so its cost does not grow with the lake; a full
 *   listing every `fullListIntervalMs` forgets deleted objects.
 * - A failed invocation is retried with capped backoff until it succeeds, while other batches go
 *   on; a batch leaves the queue only on success, and what is queued at stop() is swept next start.
 * - At most `maxInFlight` invocations at a time (default 1: the warehouse has one writer anyway).
 */
import { DEFAULT_RETRY, backoffDelay, type RetryPolicy } from '../offline-common/retry';
import { consoleLoggerFor, errorMessage, type SourceLogger } from '../offline-common/log';
import { buildS3Event, type S3ObjectInfo } from './event';
import { describeFilters } from './filters';
import { DeliveryQueue, type QueuedBatch } from './deliveryQueue';
import { SeenObjects } from './seenObjects';
import {
  resolveSourceOptions,
  type ResolvedSourceOptions,
  type S3EventSourceOptions,
  type S3EventSourceStats,
} from './sourceOptions';

export type { DeliveryInfo, S3EventSourceOptions, S3EventSourceStats, S3InvokeFn } from './sourceOptions';

type Batch = QueuedBatch<S3ObjectInfo>;

export class S3EventSource {
  readonly #o: ResolvedSourceOptions;
  #lastFullListAt = 0;
  readonly #retry: RetryPolicy;
  readonly #log: SourceLogger;
  readonly #label: string;
  readonly #seen: SeenObjects;
  readonly #queue: DeliveryQueue<S3ObjectInfo>;
  readonly #inFlight = new Set<Promise<void>>();
  #stats: Omit<S3EventSourceStats, 'queuedObjects' | 'inFlight'> = {
    polls: 0,
    swept: 0,
    delivered: 0,
    invocations: 0,
    failures: 0,
  };
  #started = false;
  #stopped = false;
  #loop: Promise<void> | undefined;
  #wakePoll: (() => void) | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #notified = false;

  constructor(options: S3EventSourceOptions) {
    this.#o = resolveSourceOptions(options);
    this.#seen = new SeenObjects(this.#o.filters);
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#log = options.logger ?? consoleLoggerFor('offline-s3:', 'OFFLINE_S3_DEBUG');
    this.#label = options.label ? `${options.label}: ` : '';
    this.#queue = new DeliveryQueue({ new: this.#o.batchSize, sweep: this.#o.sweepBatchSize });
  }

  stats(): S3EventSourceStats {
    return { ...this.#stats, queuedObjects: this.#queue.objectCount, inFlight: this.#inFlight.size };
  }

  /** Starts polling in the background (a bucket that is unreachable now is retried, not fatal). */
  start(): void {
    if (this.#started) throw new Error('S3EventSource already started');
    this.#started = true;
    this.#log.info(
      `${this.#label}watching s3://${this.#o.bucket} (${describeFilters(this.#o.filters)}) every ${this.#o.pollIntervalMs} ms; ` +
        `sweep batches of ${this.#o.sweepBatchSize}, then batches of ${this.#o.batchSize}, ${this.#o.maxInFlight} in flight`,
    );
    this.#loop = this.#pollLoop();
  }

  /**
   * Idempotent. Stops listing and starting invocations, and resolves once the invocations in
   * flight have finished (their outcome is logged). Batches still queued are not lost: the
   * objects stay in the bucket and the next start's sweep delivers them.
   */
  async stop(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#wakePoll?.();
      if (this.#retryTimer) clearTimeout(this.#retryTimer);
    }
    await this.#loop;
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    const left = this.stats().queuedObjects;
    if (left > 0) this.#log.info(`${this.#label}stopped with ${left} object(s) not yet delivered; the next start sweeps them`);
  }

  /**
   * Objects a notification announced: queued at once (after the start-up sweep's listing, which
   * delivers everything that is already there).
   */
  notify(objects: readonly S3ObjectInfo[]): void {
    if (this.#stopped || this.#stats.polls === 0) return;
    const fresh = this.#seen.fresh(objects);
    if (fresh.length === 0) return;
    this.#o.finder?.observe(fresh, true);
    this.#log.debug(`${this.#label}${fresh.length} object(s) notified`);
    this.#enqueue(fresh, 'new');
  }

  /** While notifications flow, listings slow down; when the stream opens or breaks, list at once for what it missed. */
  setNotificationsFlowing(flowing: boolean): void {
    this.#notified = flowing;
    this.#wakePoll?.();
  }

  async #pollLoop(): Promise<void> {
    let listFailures = 0;
    while (!this.#stopped) {
      let delay = this.#notified ? this.#o.notifiedPollIntervalMs : this.#o.pollIntervalMs;
      const t0 = Date.now();
      try {
        const finder = this.#o.finder;
        const full = !finder || this.#stats.polls === 0 || t0 - this.#lastFullListAt >= this.#o.fullListIntervalMs;
        const objects = full ? await this.#o.list(this.#o.bucket, this.#o.filters.prefix) : await finder.listNew(this.#o.bucket);
        if (this.#stopped) break;
        if (listFailures > 0) this.#log.info(`${this.#label}listing s3://${this.#o.bucket} works again`);
        listFailures = 0;
        if (full) this.#lastFullListAt = t0;
        this.#onListing(objects, Date.now() - t0, full);
      } catch (err) {
        listFailures++;
        delay = Math.max(delay, backoffDelay(listFailures, this.#retry));
        // The first failure and then every tenth, so that an outage is visible without flooding the log.
        if (listFailures === 1 || listFailures % 10 === 0)
          this.#log.warn(
            `${this.#label}cannot list s3://${this.#o.bucket} (failure ${listFailures}): ${errorMessage(err)}; retrying in ${delay} ms`,
          );
      }
      if (this.#stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.#wakePoll = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wakePoll = undefined;
    }
  }

  #onListing(all: S3ObjectInfo[], listMs: number, complete: boolean): void {
    const sweep = this.#stats.polls === 0;
    this.#stats.polls++;
    if (complete) this.#seen.forgetAbsent(all);
    const fresh = this.#seen.fresh(all);
    this.#o.finder?.observe(fresh, !sweep);
    if (sweep) {
      this.#stats.swept = fresh.length;
      this.#log.info(
        `${this.#label}sweep: ${fresh.length} existing object(s) match of ${all.length} listed in ${listMs} ms; ` +
          `delivering them in ${Math.ceil(fresh.length / this.#o.sweepBatchSize)} invocation(s)`,
      );
    } else if (fresh.length > 0) {
      this.#log.debug(`${this.#label}${fresh.length} new object(s) (listing took ${listMs} ms)`);
    }
    this.#enqueue(fresh, sweep ? 'sweep' : 'new');
  }

  #enqueue(objects: S3ObjectInfo[], kind: Batch['kind']): void {
    this.#queue.add(objects, kind);
    this.#pump();
  }

  /** Starts as many ready batches as the in-flight limit allows (see deliveryQueue.ts for the order). */
  #pump(): void {
    if (this.#stopped) return;
    const now = Date.now();
    while (this.#inFlight.size < this.#o.maxInFlight) {
      const batch = this.#queue.take(now);
      if (!batch) break;
      const p: Promise<void> = this.#deliver(batch).finally(() => {
        this.#inFlight.delete(p);
        this.#pump();
      });
      this.#inFlight.add(p);
    }
    // When only backing-off batches are queued, wake up when the earliest may be retried.
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const next = this.#inFlight.size < this.#o.maxInFlight ? this.#queue.nextRetryAt(now) : undefined;
    if (next !== undefined) this.#retryTimer = setTimeout(() => this.#pump(), Math.max(0, next - now));
  }

  async #deliver(batch: Batch): Promise<void> {
    const keys = batch.objects.map((o) => o.key);
    const attempt = batch.failures + 1;
    const event = buildS3Event(
      { bucket: this.#o.bucket, region: this.#o.region, configurationId: this.#o.configurationId },
      batch.objects,
    );
    const what = `${batch.kind === 'sweep' ? 'sweep ' : ''}${keys.length} object(s) ${summariseKeys(keys)}`;
    const t0 = Date.now();
    this.#stats.invocations++;
    // With one invocation in flight, a slow one holds everything up: make that visible.
    const watchdog = setInterval(
      () => this.#log.warn(`${this.#label}still waiting for the invocation with ${what} after ${Date.now() - t0} ms`),
      this.#o.slowInvocationLogMs,
    ).unref();
    try {
      const result = await this.#o.invoke(event, { kind: batch.kind, keys, attempt });
      const retry = new Set(result ? result.retryKeys : []);
      this.#stats.delivered += keys.length - retry.size;
      this.#log.info(`${this.#label}delivered ${what} in ${Date.now() - t0} ms${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
      if (retry.size > 0) {
        // The function took part of the batch (SQS's batchItemFailures): only the rest goes again.
        this.#stats.failures++;
        const delay = backoffDelay(batch.failures + 1, this.#retry);
        this.#queue.putBack({
          ...batch,
          objects: batch.objects.filter((o) => retry.has(o.key)),
          failures: batch.failures + 1,
          notBefore: Date.now() + delay,
        });
        this.#log.warn(`${this.#label}${retry.size} of ${keys.length} object(s) to retry in ${delay} ms (batch item failures)`);
      }
    } catch (err) {
      this.#stats.failures++;
      batch.failures++;
      const delay = backoffDelay(batch.failures, this.#retry);
      batch.notBefore = Date.now() + delay;
      // Back at the head of its lane: once its backoff has passed it goes before newer batches.
      this.#queue.putBack(batch);
      this.#log.error(
        `${this.#label}invocation failed for ${what} (attempt ${attempt}, ${Date.now() - t0} ms): ${errorMessage(err)}; ` +
          `retrying in ${delay} ms`,
      );
    } finally {
      clearInterval(watchdog);
    }
  }
}

/** First and last keys of a batch: enough to find it, short enough for one log line. */
export function summariseKeys(keys: readonly string[]): string {
  if (keys.length <= 3) return keys.join(', ');
  return `${keys[0]}, ${keys[1]} ... ${keys[keys.length - 1]}`;
}
