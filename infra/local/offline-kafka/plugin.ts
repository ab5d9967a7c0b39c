/**
 * The serverless-offline plugin: at `sls offline start` it reads every function's `kafka` / `msk`
 * events and runs one KafkaEventSource per function and consumer group, each in a thread of its
 * own (thread.ts), so fetching and building events do not compete with serverless-offline's main
 * thread.
 *
 * How a batch reaches the function (custom.offlineKafka.invoke, or OFFLINE_KAFKA_INVOKE):
 * - `thread` (default): the function runs in its event source's thread, through
 *   serverless-offline's own Lambda emulation (its public `serverless-offline/lambda` export, the
 *   in-process runner): the same handler build, environment, context and timeout, without
 *   serialising a 6 MB event to JSON, parsing it on the main thread and cloning it into a worker
 *   (half the CPU of a catch-up replay; offline-common/lambdaInThread.ts, bench/replay.bench.ts).
 * - `api`: through serverless-offline's Lambda Invoke API over HTTP (offline-common/invoke.ts),
 *   the path the AWS SDK takes; kept as the simplest alternative, measured beside the default.
 *
 * Hooks (wired by the shared base, offline-common/plugin.ts): `offline:start:init` reads and logs
 * the config; `offline:start:ready` starts consuming; `offline:start:end` and SIGINT/SIGTERM stop
 * the consumers, letting each partition's batch in flight finish and commit. When
 * serverless-esbuild rebuilds the functions (`offline:functionsUpdated`), the in-thread sources
 * are restarted so that they load the new build, as serverless-offline's own workers do.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { inThreadSetup, threadEnv } from '../offline-common/lambdaInThread';
import { errorMessage, type OslsLog } from '../offline-common/log';
import { OfflineEventSourcePlugin, type ServerlessLike } from '../offline-common/plugin';
import { asRecord } from '../lib/serverless';
import { readConsumerSpecs, securityFromEnv, type ConsumerSpec } from './config';
import type { InvokeTarget, ThreadData, ThreadMessage } from './thread';
import { bundleThread, type ThreadBundle } from './threadBundle';

const PREFIX = 'offline-kafka:';
/** Young generation of each event source thread, MB (OFFLINE_YOUNG_GENERATION_MB overrides, for measuring). */
const YOUNG_GENERATION_MB = Number(process.env.OFFLINE_YOUNG_GENERATION_MB ?? '192');

export type InvokeMode = 'thread' | 'api';

/** custom.offlineKafka.invoke, overridden by OFFLINE_KAFKA_INVOKE; `thread` unless said otherwise. */
export function invokeMode(custom: unknown, env: NodeJS.ProcessEnv = process.env): InvokeMode {
  const v = env.OFFLINE_KAFKA_INVOKE || asRecord(custom)?.invoke || 'thread';
  if (v !== 'thread' && v !== 'api') {
    throw new Error(
      `offline-kafka: invoke must be thread or api (OFFLINE_KAFKA_INVOKE / custom.offlineKafka.invoke), got ${String(v)}`,
    );
  }
  return v;
}

interface SourceThread {
  worker: Worker;
  exited: Promise<void>;
}

export class OfflineKafkaPlugin extends OfflineEventSourcePlugin {
  #specs: ConsumerSpec[] = [];
  #mode: InvokeMode = 'thread';
  #warmUp = false;
  #threads: SourceThread[] = [];
  #bundle: ThreadBundle | undefined;
  #restarting: Promise<void> | undefined;

  constructor(serverless: ServerlessLike, cliOptions: Record<string, unknown> = {}, utils?: { log?: OslsLog }) {
    super(PREFIX, serverless, cliOptions, utils);
    this.hooks['offline:functionsUpdated:cleanup'] = () => this.#reload();
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
    this.#mode = invokeMode(this.serverless.service.custom?.offlineKafka);
    // OFFLINE_KAFKA_WARMUP=off|on overrides custom.offlineKafka.warmUp (the bench compares both).
    const warmUpEnv = process.env.OFFLINE_KAFKA_WARMUP;
    this.#warmUp = warmUpEnv ? warmUpEnv === 'on' : asRecord(this.serverless.service.custom?.offlineKafka)?.warmUp === true;
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
    if (this.#specs.length === 0 || this.#threads.length > 0) return;
    // Each partition's batch in flight finishes and commits before the process goes away.
    this.listenForTermination('stopping consumers');
    const names = [...new Set(this.#specs.map((s) => s.functionName))];
    if (this.#mode === 'api') {
      const { host, port } = this.lambdaEndpoint();
      this.logInvoking(host, port, names);
    } else {
      this.log.info(`invoking in each event source's thread with serverless-offline's in-process runner (${names.join(', ')})`);
    }
    this.#startThreads();
  }

  #startThreads(): void {
    const security = securityFromEnv();
    if (!this.#bundle) {
      try {
        this.#bundle = bundleThread();
      } catch (err) {
        this.log.warn(`could not bundle the event source threads (${errorMessage(err)}); compiling them with tsx`);
      }
    }
    this.#threads = this.#specs.map((spec) => {
      const target: InvokeTarget =
        this.#mode === 'api'
          ? { kind: 'api', ...this.lambdaEndpoint() }
          : { kind: 'thread', setup: inThreadSetup(this.serverless, spec.functionKey, this.cliOptions) };
      const data: ThreadData = {
        spec,
        security,
        target,
        ...(this.#bundle ? { bundle: this.#bundle.file } : {}),
        ...(target.kind === 'thread' && this.#warmUp ? { warmUp: true } : {}),
      };
      const worker = new Worker(join(__dirname, 'thread.js'), {
        workerData: data,
        // A bigger young generation: the decoder allocates per record, and with V8's default semi-space
        // scavenges took ~20% of a writer thread's CPU at 10k changes/s (profiled).
        resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
        // The function's thread sees what serverless-offline's worker would (localEnvironment or AWS_* only).
        ...(target.kind === 'thread' ? { env: threadEnv(target.setup) } : {}),
      });
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.on('message', (m: ThreadMessage) => {
        if ('log' in m) this.log[m.log](m.msg);
      });
      worker.on('error', (err) => this.log.error(`${spec.functionKey}: event source thread failed: ${errorMessage(err)}`));
      return { worker, exited };
    });
  }

  /** Stops every thread gracefully; resolves once each has finished its batches in flight. */
  #stopThreads(): Promise<void> {
    const threads = this.#threads;
    this.#threads = [];
    return Promise.all(
      threads.map(
        ({ worker, exited }) =>
          new Promise<void>((resolve) => {
            worker.on('message', (m: ThreadMessage) => {
              if ('stopped' in m) void worker.terminate().then(() => resolve());
            });
            void exited.then(() => resolve());
            worker.postMessage('stop');
          }),
      ),
    ).then(() => undefined);
  }

  /** A rebuilt handler: in-thread functions keep their loaded module, so their threads start anew. */
  #reload(): Promise<void> {
    if (this.#mode !== 'thread' || this.#threads.length === 0 || this.stopped) return Promise.resolve();
    this.#restarting ??= (async () => {
      this.log.info('functions rebuilt: restarting the event source threads to load the new build');
      await this.#stopThreads();
      // The threads' own code is rebuilt too (a change under infra/ while running).
      this.#bundle?.remove();
      this.#bundle = undefined;
      if (!this.stopped) this.#startThreads();
    })().finally(() => {
      this.#restarting = undefined;
    });
    return this.#restarting;
  }

  /** Resolves once every consumer has finished its batches in flight and disconnected. */
  protected async stopSources(): Promise<void> {
    await this.#restarting;
    await this.#stopThreads();
    this.#bundle?.remove();
    this.#bundle = undefined;
  }
}
