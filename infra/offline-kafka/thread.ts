/**
 * The Kafka event sources' own thread. Fetching, decoding Kafka batches and building each
 * invocation's JSON cost ~60 us a record; on serverless-offline's main thread that competed with
 * the Lambda API itself (parsing every event, handing it to the function's worker), which capped
 * catch-up (profiled). Here it runs beside it. Log lines go to the parent, which prints them
 * through osls's logger; 'stop' lets each partition's batch in flight finish and commit.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SourceLogger } from '../offline-common/log';
import type { ConsumerSpec } from './config';
import { Consumers } from './consumers';

export interface ThreadData {
  specs: ConsumerSpec[];
  host: string;
  port: number;
}

export type ThreadMessage = { log: keyof SourceLogger; msg: string } | { stopped: true };

const port = parentPort!;
const send = (m: ThreadMessage) => port.postMessage(m);
const log: SourceLogger = {
  info: (msg) => send({ log: 'info', msg }),
  warn: (msg) => send({ log: 'warn', msg }),
  error: (msg) => send({ log: 'error', msg }),
  debug: (msg) => send({ log: 'debug', msg }),
};

const data = workerData as ThreadData;
const consumers = new Consumers(data.specs, { host: data.host, port: data.port }, log);
consumers.start();
port.on('message', (m: unknown) => {
  if (m === 'stop') void consumers.stop().then(() => send({ stopped: true }));
});
