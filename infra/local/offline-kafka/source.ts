/**
 * KafkaEventSource: what a Lambda event source mapping does for Kafka, run locally with kafkajs.
 * One consumer group, several topics; per partition one PartitionWorker (see partition.ts) that
 * owns batching, invocation, retries and commits. The consumer only fetches and buffers, so a
 * slow or failing partition never holds up the others, and commits are ours alone (autoCommit off).
 *
 * Topics that do not exist yet (Debezium creates a table's topic on its first change) are waited
 * for: the consumer starts with the topics that exist and is restarted, gracefully, when more appear.
 * Topics are never created here, so the broker's and Connect's topic settings stay in charge.
 */
import { Kafka, logLevel, type Consumer, type Admin, type KafkaConfig, type LogEntry } from 'kafkajs';
import { consoleLogger, errorMessage, type SourceLogger } from './log';
import { backoffDelay, DEFAULT_RETRY, type RetryPolicy } from '../offline-common/retry';
import {
  FETCH_MAX_WAIT_MS,
  MAX_EVENT_BYTES,
  SESSION_TIMEOUT_MS,
  resolveTopics,
  type KafkaEventSourceOptions,
  type ResolvedTopic,
} from './options';
import { PartitionWorker } from './partition';

export type { KafkaEventSourceOptions, StartingPosition, TopicOptions } from './options';
export { DEFAULT_BATCH_SIZE, DEFAULT_WINDOW_MS, FETCH_MAX_WAIT_MS, MAX_EVENT_BYTES, resolveTopics } from './options';

function kafkajsLogCreator(log: SourceLogger, label: string) {
  return () =>
    ({ level, log: entry }: LogEntry): void => {
      const line = `${label} kafkajs: ${entry.message}${entry.error ? ` (${String(entry.error)})` : ''}`;
      if (level === logLevel.ERROR) log.error(line);
      else if (level === logLevel.WARN) log.warn(line);
      else log.debug(line);
    };
}

export class KafkaEventSource {
  readonly #o: KafkaEventSourceOptions;
  readonly #topics: ResolvedTopic[];
  readonly #log: SourceLogger;
  readonly #label: string;
  readonly #retry: RetryPolicy;
  readonly #kafka: Kafka;
  #admin: Admin | undefined;
  #consumer: Consumer | undefined;
  /** Topics the running consumer is subscribed to. */
  #subscribed = new Set<string>();
  #workers = new Map<string, PartitionWorker>();
  /** Workers being retired after losing their partition; a successor waits for them. */
  #retiring = new Map<string, Promise<void>>();
  #pollTimer: NodeJS.Timeout | undefined;
  #lastMissing = '';
  #stopped = false;
  /** Serialises (re)starts and stop so they never overlap. */
  #lifecycle: Promise<void> = Promise.resolve();

  constructor(options: KafkaEventSourceOptions) {
    this.#o = options;
    this.#topics = resolveTopics(options);
    this.#log = options.logger ?? consoleLogger;
    this.#label = options.label ?? options.groupId;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    const config: KafkaConfig = {
      clientId: options.clientId ?? `offline-kafka-${this.#label}`,
      brokers: options.brokers,
      logLevel: logLevel.WARN,
      logCreator: kafkajsLogCreator(this.#log, this.#label),
    };
    if (options.ssl) config.ssl = true;
    if (options.sasl) config.sasl = options.sasl;
    this.#kafka = options.client?.(config) ?? new Kafka(config);
  }

  /** Connects and starts consuming the topics that exist; keeps watching for the others. */
  async start(): Promise<void> {
    await this.#serialise(async () => {
      if (this.#stopped) return;
      this.#admin = this.#kafka.admin();
      await this.#admin.connect();
      for (const t of this.#topics) {
        this.#log.info(
          `${this.#label}: consuming ${t.topic} as group ${this.#o.groupId} from ${this.#o.brokers.join(',')} ` +
            `(batchSize ${t.batchSize}, window ${t.windowMs} ms, ${t.startingPosition}, eventSource ${t.meta.kind})`,
        );
      }
      await this.#syncTopics();
    });
    if (this.#stopped) return;
    if (this.#subscribed.size < this.#topics.length) {
      const pollMs = this.#o.topicPollMs ?? 5000;
      this.#pollTimer = setInterval(() => {
        void this.#serialise(() => this.#syncTopics()).catch((err: unknown) =>
          this.#log.warn(`${this.#label}: checking for new topics failed: ${errorMessage(err)}`),
        );
      }, pollMs);
      this.#pollTimer.unref();
    }
  }

  /** Stops fetching, lets each partition's batch in flight finish and commit, then disconnects. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#pollTimer) clearInterval(this.#pollTimer);
    await this.#serialise(async () => {
      await this.#stopConsumer();
      await this.#admin?.disconnect().catch(() => undefined);
      this.#admin = undefined;
    });
    this.#log.info(`${this.#label}: stopped`);
  }

  /** Topics the consumer currently reads (the others are awaited). */
  get subscribedTopics(): string[] {
    return [...this.#subscribed];
  }

  #serialise(step: () => Promise<void>): Promise<void> {
    const next = this.#lifecycle.then(step);
    this.#lifecycle = next.catch(() => undefined);
    return next;
  }

  async #syncTopics(): Promise<void> {
    if (this.#stopped || !this.#admin) return;
    const existing = new Set(await this.#admin.listTopics());
    const available = this.#topics.filter((t) => existing.has(t.topic));
    const missing = this.#topics.filter((t) => !existing.has(t.topic)).map((t) => t.topic);
    // Said once per change, not on every poll.
    if (missing.join(',') !== this.#lastMissing) {
      this.#lastMissing = missing.join(',');
      if (missing.length > 0) {
        this.#log.warn(
          `${this.#label}: topic(s) ${missing.join(', ')} do not exist yet; waiting for them (they are not created here)`,
        );
      }
    }
    const grew = available.some((t) => !this.#subscribed.has(t.topic));
    if (!grew) return;
    if (missing.length === 0 && this.#pollTimer) {
      clearInterval(this.#pollTimer);
      this.#pollTimer = undefined;
    }
    if (this.#consumer) {
      this.#log.info(`${this.#label}: new topic(s) appeared; restarting the consumer to subscribe to them`);
      await this.#stopConsumer();
    }
    if (available.length > 0) await this.#startConsumer(available);
  }

  async #startConsumer(topics: ResolvedTopic[]): Promise<void> {
    const consumer = this.#kafka.consumer({
      groupId: this.#o.groupId,
      // Debezium/Connect create the topics with their own settings; never auto-create them from here.
      allowAutoTopicCreation: false,
      // After a kill -9 the dead member holds its partitions until its session expires: with
      // kafkajs's 30 s default a restarted writer waited ~30 s for its own partitions (the soak's
      // writer recoveries). eachBatch only buffers, so the runner heartbeats every 3 s even while a
      // slow invocation runs; 10 s is well above that and above the broker's 6 s minimum.
      sessionTimeout: this.#o.sessionTimeoutMs ?? SESSION_TIMEOUT_MS,
      // A fetch the broker holds open for want of data also delays a resumed partition's next
      // fetch (kafkajs fetches all partitions in one request): keep that hold short.
      maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
      // Room for a full 6 MB event per partition in a fetch or two.
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxBytes: 32 * 1024 * 1024,
    });
    const byTopic = new Map(topics.map((t) => [t.topic, t]));
    consumer.on(consumer.events.GROUP_JOIN, (e) => this.#onAssignment(consumer, e.payload.memberAssignment));
    consumer.on(consumer.events.CRASH, (e) => {
      this.#log.error(`${this.#label}: consumer crashed: ${errorMessage(e.payload.error)} (restart: ${e.payload.restart})`);
      if (!e.payload.restart) this.#replaceCrashed(consumer, 1);
    });
    try {
      await consumer.connect();
      for (const t of topics) {
        // fromBeginning only matters when the group has no committed offset yet, as with Lambda.
        await consumer.subscribe({ topics: [t.topic], fromBeginning: t.startingPosition === 'TRIM_HORIZON' });
      }
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    this.#consumer = consumer;
    this.#subscribed = new Set(topics.map((t) => t.topic));
    await consumer.run({
      autoCommit: false,
      // Only buffering happens here, so it is quick; delivery runs in the partition workers.
      eachBatch: async ({ batch, isRunning, isStale }) => {
        // A consumer being replaced or stopped buffers nothing more (its workers are draining).
        if (consumer !== this.#consumer || !isRunning() || isStale() || batch.messages.length === 0) return;
        const spec = byTopic.get(batch.topic);
        if (!spec) return;
        this.#worker(consumer, spec, batch.partition).push(batch.messages, Date.now(), batch.highWatermark);
      },
    });
  }

  /**
   * kafkajs restarts a crashed consumer only after an error it deems retriable. After any other
   * (the fault test saw "Failed to find group coordinator" once Kafka came back from a kill -9) the
   * consumer stays down and its partitions stall for good, so here a new one takes its place, with
   * backoff until it starts. Its workers stop first; offsets they could not commit are delivered again
   * (the writer is idempotent, the loader skips offsets RAW holds).
   */
  #replaceCrashed(crashed: Consumer, attempt: number): void {
    if (this.#stopped) return;
    const delay = backoffDelay(attempt, this.#retry);
    this.#log.warn(
      `${this.#label}: kafkajs will not restart this consumer; starting a new one in ${delay} ms (attempt ${attempt})`,
    );
    setTimeout(() => {
      this.#serialise(async () => {
        // Stopped, or replaced meanwhile (new topics appeared): nothing left to recover.
        if (this.#stopped || (this.#consumer !== undefined && this.#consumer !== crashed)) return;
        if (this.#consumer === crashed) await this.#stopConsumer();
        await this.#syncTopics();
        if (!this.#stopped && !this.#consumer) throw new Error('no consumer is running');
        this.#log.info(`${this.#label}: a new consumer replaced the crashed one`);
      }).catch((err: unknown) => {
        this.#log.error(`${this.#label}: replacing the crashed consumer failed: ${errorMessage(err)}`);
        this.#replaceCrashed(crashed, attempt + 1);
      });
    }, delay).unref();
  }

  #worker(consumer: Consumer, spec: ResolvedTopic, partition: number): PartitionWorker {
    const key = `${spec.topic}-${partition}`;
    let worker = this.#workers.get(key);
    if (worker) return worker;
    worker = new PartitionWorker({
      topic: spec.topic,
      partition,
      batchSize: spec.batchSize,
      windowMs: spec.windowMs,
      meta: spec.meta,
      retry: this.#retry,
      invoke: this.#o.invoke,
      commit: (offset) => consumer.commitOffsets([{ topic: spec.topic, partition, offset }]),
      pause: () => consumer.pause([{ topic: spec.topic, partitions: [partition] }]),
      resume: () => consumer.resume([{ topic: spec.topic, partitions: [partition] }]),
      highWater: Math.max(2 * spec.batchSize, 1000),
      maxEventBytes: this.#o.maxEventBytes ?? MAX_EVENT_BYTES,
      log: this.#log,
      label: this.#label,
    });
    this.#workers.set(key, worker);
    worker.start(this.#retiring.get(key));
    return worker;
  }

  /** After each rebalance: retire workers whose partition went elsewhere (their buffer is dropped). */
  #onAssignment(consumer: Consumer, assignment: Record<string, number[]>): void {
    if (consumer !== this.#consumer) return;
    const owned = new Set<string>();
    for (const [topic, partitions] of Object.entries(assignment)) for (const p of partitions) owned.add(`${topic}-${p}`);
    this.#log.info(
      `${this.#label}: group ${this.#o.groupId} assigned ${owned.size ? [...owned].sort().join(', ') : 'no partitions'}`,
    );
    for (const [key, worker] of this.#workers) {
      if (owned.has(key)) continue;
      this.#workers.delete(key);
      const done = worker.stop().finally(() => {
        if (this.#retiring.get(key) === done) this.#retiring.delete(key);
      });
      this.#retiring.set(key, done);
    }
  }

  async #stopConsumer(): Promise<void> {
    const consumer = this.#consumer;
    this.#consumer = undefined; // from here eachBatch ignores what is still fetched
    const workers = [...this.#workers.values()];
    this.#workers.clear();
    // Workers first: a commit needs a running consumer (kafkajs drops commits once it has stopped).
    await Promise.all([...workers.map((w) => w.stop()), ...this.#retiring.values()]);
    this.#subscribed = new Set();
    if (consumer)
      await consumer
        .disconnect()
        .catch((err: unknown) => this.#log.warn(`${this.#label}: disconnect failed: ${errorMessage(err)}`));
  }
}
