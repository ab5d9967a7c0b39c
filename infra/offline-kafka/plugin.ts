/**
 * The serverless-offline plugin: at `sls offline start` it reads every function's `kafka` / `msk`
 * events and runs one KafkaEventSource per function and consumer group, invoking the function
 * through serverless-offline's own Lambda API (so the same worker pool, environment and handler
 * build are used as for every other offline event).
 *
 * Why the HTTP Lambda API and not `import('serverless-offline/lambda')` (what the npm plugin
 * serverless-offline-s3 did): that builds a second Lambda pool beside serverless-offline's own, with options we would
 * have to merge the way serverless-offline does, and it relies on an internal class. The Invoke API
 * is public, documented by AWS, reports function errors explicitly, and is what the AWS SDK calls.
 *
 * The consumers run in a thread of their own (thread.ts), so fetching and building events does
 * not compete with the Lambda API on serverless-offline's main thread.
 *
 * Hooks (wired by the shared base, offline-common/plugin.ts): `offline:start:init` reads and logs
 * the config; `offline:start:ready` starts consuming; `offline:start:end` and SIGINT/SIGTERM stop
 * the consumers, letting each partition's batch in flight finish and commit.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { errorMessage, type OslsLog } from '../offline-common/log';
import { OfflineEventSourcePlugin, type ServerlessLike } from '../offline-common/plugin';
import { readConsumerSpecs, securityFromEnv, type ConsumerSpec } from './config';
import type { ThreadData, ThreadMessage } from './thread';

const PREFIX = 'offline-kafka:';

export class OfflineKafkaPlugin extends OfflineEventSourcePlugin {
  #specs: ConsumerSpec[] = [];
  /** The event sources' own thread (thread.ts) and its end. */
  #thread: Worker | undefined;
  #threadExit: Promise<void> | undefined;

  constructor(serverless: ServerlessLike, cliOptions: Record<string, unknown> = {}, utils?: { log?: OslsLog }) {
    super(PREFIX, serverless, cliOptions, utils);
  }

  #enabled(): boolean {
    const custom = this.serverless.service.custom?.offlineKafka as { enabled?: unknown } | undefined;
    if (process.env.OFFLINE_KAFKA === 'off' || custom?.enabled === false) {
      this.log.info('disabled (custom.offlineKafka.enabled=false or OFFLINE_KAFKA=off)');
      return false;
    }
    return true;
  }

  protected init(): void {
    if (!this.#enabled()) return;
    this.#specs = readConsumerSpecs(this.serverless.service, { warn: (m) => this.log.warn(m) });
    if (this.#specs.length === 0) {
      this.log.info('no kafka or msk events in serverless.yml; nothing to consume');
      return;
    }
    const security = securityFromEnv();
    for (const s of this.#specs) {
      const auth = security.sasl ? `SASL ${security.sasl.mechanism}` : 'no SASL';
      this.log.info(
        `${s.functionKey} <- ${s.topics.map((t) => t.topic).join(', ')} (group ${s.groupId}, brokers ${s.brokers.join(',')}, ` +
          `${security.ssl ? 'TLS' : 'plaintext'}, ${auth}` +
          (s.ignoredAuth.length ? `; ignoring ${s.ignoredAuth.join(', ')} from serverless.yml locally` : '') +
          ')',
      );
    }
  }

  protected async start(): Promise<void> {
    if (this.#specs.length === 0 || this.#thread) return;
    const { host, port } = this.lambdaEndpoint();
    // Each partition's batch in flight finishes and commits before the process goes away.
    this.listenForTermination('stopping consumers');
    this.logInvoking(
      host,
      port,
      this.#specs.map((s) => s.functionName),
    );
    const data: ThreadData = { specs: this.#specs, host, port };
    const thread = new Worker(join(__dirname, 'thread.js'), { workerData: data });
    this.#thread = thread;
    this.#threadExit = new Promise((resolve) => thread.once('exit', () => resolve()));
    thread.on('message', (m: ThreadMessage) => {
      if ('log' in m) this.log[m.log](m.msg);
    });
    thread.on('error', (err) => this.log.error(`event source thread failed: ${errorMessage(err)}`));
  }

  /** Resolves once every consumer has finished its batches in flight and disconnected. */
  protected stopSources(): Promise<void> {
    const thread = this.#thread;
    if (!thread) return Promise.resolve();
    return new Promise<void>((resolve) => {
      thread.on('message', (m: ThreadMessage) => {
        if ('stopped' in m) void thread.terminate().then(() => resolve());
      });
      void this.#threadExit?.then(() => resolve());
      thread.postMessage('stop');
    });
  }
}
