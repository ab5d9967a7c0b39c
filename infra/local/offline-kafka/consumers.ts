/**
 * Runs one KafkaEventSource per consumer spec, started in the background with retries
 * (serverless-offline must not wait for Kafka, and Kafka may come up later). Each spec's source
 * delivers through the invoke function it is given: the function run in this thread, or the
 * Lambda API (see plugin.ts). Used by the plugin's event-source threads (thread.ts).
 */
import { errorMessage, type SourceLogger } from '../offline-common/log';
import { backoffDelay, sleep } from '../offline-common/retry';
import type { ConsumerSpec, Security } from './config';
import type { InvokeFn } from './partition';
import { KafkaEventSource } from './source';

export interface ConsumersOptions {
  specs: readonly ConsumerSpec[];
  security: Security;
  /** How a spec's batches reach its function. */
  invoker: (spec: ConsumerSpec) => InvokeFn;
  /** Resolves true once the function can be invoked (the Lambda API answers); polled every 500 ms. */
  ready?: () => Promise<boolean>;
  /** Said once while not ready. */
  waitingFor?: string;
  log: SourceLogger;
}

export class Consumers {
  readonly #running: Array<KafkaEventSource | undefined> = [];
  #stopped = false;
  #stopping: Promise<void> | undefined;

  constructor(private readonly o: ConsumersOptions) {}

  start(): void {
    const { security } = this.o;
    this.o.specs.forEach((spec, slot) => {
      const invoke = this.o.invoker(spec);
      const make = (): KafkaEventSource =>
        new KafkaEventSource({
          brokers: spec.brokers,
          groupId: spec.groupId,
          topics: spec.topics,
          invoke,
          logger: this.o.log,
          label: spec.functionKey,
          ssl: security.ssl,
          ...(security.sasl ? { sasl: security.sasl } : {}),
        });
      void this.#startWithRetry(slot, make);
    });
  }

  async #startWithRetry(slot: number, make: () => KafkaEventSource): Promise<void> {
    let warned = false;
    while (!this.#stopped && this.o.ready && !(await this.o.ready())) {
      if (!warned) this.o.log.warn(`waiting for ${this.o.waitingFor ?? 'the function'}`);
      warned = true;
      await sleep(500);
    }
    for (let attempt = 1; !this.#stopped; attempt++) {
      // A source that failed to start is spent (stopped); each attempt gets a fresh one.
      const source = make();
      this.#running[slot] = source;
      try {
        await source.start();
        return;
      } catch (err) {
        const delay = backoffDelay(attempt, { initialDelayMs: 1000, maxDelayMs: 30_000 });
        this.o.log.error(`cannot start consuming (attempt ${attempt}): ${errorMessage(err)}; retrying in ${delay} ms`);
        await source.stop().catch(() => undefined);
        await sleep(delay);
      }
    }
  }

  /** Idempotent; resolves once every consumer has finished its batches in flight and disconnected. */
  stop(): Promise<void> {
    if (!this.#stopping) {
      this.#stopped = true;
      const sources = this.#running.filter((s): s is KafkaEventSource => s !== undefined);
      this.#stopping = Promise.all(
        sources.map((s) => s.stop().catch((err: unknown) => this.o.log.error(`stop failed: ${errorMessage(err)}`))),
      ).then(() => undefined);
    }
    return this.#stopping;
  }
}
