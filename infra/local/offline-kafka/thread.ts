/**
 * An event-source thread: it consumes one consumer spec's topics (a function and its consumer
 * group) and delivers each batch to the function, by default run in this very thread with
 * serverless-offline's in-process runner (offline-common/lambdaInThread.ts), else through the
 * Lambda API. One thread per spec, so fetching, building events and (in-thread) the function's
 * work of the busy topics run beside each other and beside serverless-offline's main thread.
 * Log lines go to the parent, which prints them through osls's logger; 'stop' lets each
 * partition's batch in flight finish and commit.
 */
import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { SourceLogger } from '../offline-common/log';
import { createLambdaInvoker } from '../offline-common/invoke';
import { createInThreadInvoker, type InThreadSetup, type OfflineLambdaClass } from '../offline-common/lambdaInThread';
import { portOpen } from '../lib/net';
import type { ConsumerSpec, Security } from './config';
import { Consumers } from './consumers';
import type { LambdaKafkaEvent } from './event';

export type InvokeTarget = { kind: 'api'; host: string; port: number } | { kind: 'thread'; setup: InThreadSetup };

export interface ThreadData {
  spec: ConsumerSpec;
  security: Security;
  target: InvokeTarget;
  /** The threads' code bundled by the plugin (threadBundle.ts); thread.js loads it when given. */
  bundle?: string;
  /** In-thread only: send the function `{ warmUp: true }` once before consuming (custom.offlineKafka.warmUp). */
  warmUp?: boolean;
}

export type ThreadMessage = { log: keyof SourceLogger; msg: string } | { stopped: true };

/**
 * A worker thread's stdout reaches the process's only through the main thread, later than this
 * thread's messages do, so the function's own log lines ("batch stored") landed after the source's
 * "invoked in" line of the same batch, and after its offsets were committed. Written straight to
 * fd 1 instead, they land in program order (a pipe that is full falls back to the relay).
 */
function writeFunctionOutputInOrder(): void {
  const out = process.stdout;
  const relay = out.write.bind(out) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
  out.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let written = 0;
    try {
      while (written < bytes.length) written += writeSync(1, bytes, written);
    } catch {
      return relay(bytes.subarray(written), ...rest);
    }
    const done = rest.find((r): r is () => void => typeof r === 'function');
    done?.();
    return true;
  }) as typeof out.write;
}

/** Entry (thread.js): `loadLambda` imports serverless-offline's ESM Lambda class natively. */
export function run(loadLambda: () => Promise<OfflineLambdaClass>): void {
  const port = parentPort!;
  const send = (m: ThreadMessage) => port.postMessage(m);
  const log: SourceLogger = {
    info: (msg) => send({ log: 'info', msg }),
    warn: (msg) => send({ log: 'warn', msg }),
    error: (msg) => send({ log: 'error', msg }),
    debug: (msg) => send({ log: 'debug', msg }),
  };
  const { spec, security, target, warmUp } = workerData as ThreadData;
  let close: () => Promise<void> = () => Promise.resolve();
  const start = async (): Promise<Consumers> => {
    if (target.kind === 'api') {
      const invoke = createLambdaInvoker<LambdaKafkaEvent>({
        host: target.host,
        port: target.port,
        functionName: spec.functionName,
        timeoutSeconds: spec.timeoutSeconds,
      });
      return new Consumers({
        specs: [spec],
        security,
        invoker: () => (event) => invoke(event),
        ready: () => portOpen(target.port, target.host),
        waitingFor: `the Lambda API on ${target.host}:${target.port}`,
        log,
      });
    }
    writeFunctionOutputInOrder();
    const inThread = createInThreadInvoker<LambdaKafkaEvent>(target.setup, await loadLambda());
    close = inThread.close;
    if (warmUp) {
      // Module load and JIT of the function's hot path before the group joins, not in its first batches.
      const t0 = Date.now();
      await inThread
        .invoke({ warmUp: true } as unknown as LambdaKafkaEvent)
        .then(() => log.info(`${spec.functionKey}: warmed up in ${Date.now() - t0} ms`))
        .catch((err: Error) => log.warn(`${spec.functionKey}: warm-up failed (${err.message}); consuming cold`));
    }
    return new Consumers({
      specs: [spec],
      security,
      invoker: () => async (event) => {
        await inThread.invoke(event);
      },
      log,
    });
  };
  const consumers = start().then((c) => {
    c.start();
    return c;
  });
  consumers.catch((err: Error) => log.error(`${spec.functionKey}: cannot start: ${err.message}`));
  port.on('message', (m: unknown) => {
    if (m !== 'stop') return;
    void consumers
      .then((c) => c.stop())
      .catch(() => undefined)
      .then(() => close().catch(() => undefined))
      .then(() => send({ stopped: true }));
  });
}
