/**
 * Runs one KafkaEventSource per consumer spec, each invoking its function through the Lambda API,
 * started in the background with retries (serverless-offline must not wait for Kafka, and Kafka
 * may come up later). Used by the plugin's event-source thread (thread.ts).
 */
import { createLambdaInvoker } from '../offline-common/invoke';
import { errorMessage, type SourceLogger } from '../offline-common/log';
import { sleep } from '../offline-common/retry';
import { portOpen } from '../offline-common/serverless';
import { securityFromEnv, type ConsumerSpec } from './config';
import { KafkaEventSource } from './source';

export class Consumers {
  readonly #running: Array<KafkaEventSource | undefined> = [];
  #stopped = false;
  #stopping: Promise<void> | undefined;

  constructor(
    private readonly specs: readonly ConsumerSpec[],
    private readonly endpoint: { host: string; port: number },
    private readonly log: SourceLogger,
  ) {}

  start(): void {
    const { host, port } = this.endpoint;
    const security = securityFromEnv();
    this.specs.forEach((spec, slot) => {
      const invoke = createLambdaInvoker({ host, port, functionName: spec.functionName, timeoutSeconds: spec.timeoutSeconds });
      const make = (): KafkaEventSource =>
        new KafkaEventSource({
          brokers: spec.brokers,
          groupId: spec.groupId,
          topics: spec.topics,
          invoke: (event) => invoke(event),
          logger: this.log,
          label: spec.functionKey,
          ssl: security.ssl,
          ...(security.sasl ? { sasl: security.sasl } : {}),
        });
      void this.#startWithRetry(slot, make);
    });
  }

  async #startWithRetry(slot: number, make: () => KafkaEventSource): Promise<void> {
    const { host, port } = this.endpoint;
    let warned = false;
    while (!this.#stopped && !(await portOpen(host, port))) {
      if (!warned) this.log.warn(`waiting for the Lambda API on ${host}:${port}`);
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
        const delay = Math.min(30_000, 1000 * 2 ** (attempt - 1));
        this.log.error(`cannot start consuming (attempt ${attempt}): ${errorMessage(err)}; retrying in ${delay} ms`);
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
        sources.map((s) => s.stop().catch((err: unknown) => this.log.error(`stop failed: ${errorMessage(err)}`))),
      ).then(() => undefined);
    }
    return this.#stopping;
  }
}
