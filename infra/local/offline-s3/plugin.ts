/**
 * The serverless-offline plugin: at `sls offline start` it reads every function's `s3` events and
 * runs one S3EventSource per event, fed by MinIO's notification stream and listings of the
 * bucket, invoking the function through serverless-offline's own Lambda API (offline-kafka runs
 * its function in threads of its own instead) with an S3 event, or, for a function fed by the
 * loader's queue in AWS, the same SQS-shaped batch (sqsEvent.ts).
 *
 * Hooks (wired by the shared base, offline-common/plugin.ts): `offline:start:init` reads and logs
 * the config; `offline:start:ready` starts polling; `offline:start:end` and SIGINT/SIGTERM stop
 * polling and let the invocation in flight finish.
 */
import { emulatorSettings } from '../lib/emulatorSettings';
import { createS3Client } from '../../../functions/shared/s3';
import { createLambdaInvokerWithResult } from '../offline-common/invoke';
import { errorMessage, type OslsLog } from '../offline-common/log';
import { OfflineEventSourcePlugin, type ServerlessLike } from '../offline-common/plugin';
import { sleep } from '../offline-common/retry';
import { portOpen } from '../lib/net';
import { readOptions, readS3Specs, type OfflineS3Options, type S3Spec } from './config';
import type { S3Event } from './event';
import { describeFilters } from './filters';
import { createS3Lister, createS3Query } from '../lib/s3List';
import { NewObjectFinder } from './newObjects';
import { NotificationStream } from './notifications';
import { S3EventSource, type S3InvokeFn } from './source';
import { buildSqsEvent, keysToRetry, type SqsEvent } from './sqsEvent';

const PREFIX = 'offline-s3:';

export class OfflineS3Plugin extends OfflineEventSourcePlugin {
  #options: OfflineS3Options | undefined;
  #specs: S3Spec[] = [];
  #sources: S3EventSource[] = [];
  #streams: NotificationStream[] = [];

  constructor(serverless: ServerlessLike, cliOptions: Record<string, unknown> = {}, utils?: { log?: OslsLog }) {
    super(PREFIX, serverless, cliOptions, utils);
  }

  protected init(): void {
    if (this.#options) return;
    const options = readOptions(this.serverless.service);
    this.#options = options;
    if (!options.enabled) {
      this.log.info('disabled (custom.offlineS3.enabled=false or OFFLINE_S3=off)');
      return;
    }
    this.#specs = readS3Specs(this.serverless.service, { warn: (m) => this.log.warn(m) });
    if (this.#specs.length === 0) {
      this.log.info('no s3 events in serverless.yml; nothing to watch');
      return;
    }
    for (const s of this.#specs) {
      const via = s.queue ? ` via SQS ${s.queue.logicalId} (batches as SQS messages)` : '';
      this.log.info(`${s.functionKey} <- s3://${s.bucket} ${s.event} (${describeFilters(s.filters)})${via}`);
    }
  }

  protected async start(): Promise<void> {
    const options = this.#options;
    if (!options?.enabled || this.#specs.length === 0 || this.#sources.length > 0) return;
    const { host, port } = this.lambdaEndpoint();
    const cfg = emulatorSettings();
    const client = createS3Client(cfg);
    const list = createS3Lister(client);
    const query = createS3Query(client);
    // MinIO's notification stream is MinIO's own API: against AWS S3 (no endpoint) only listings run.
    const notifications = options.notifications && cfg.MINIO_ENDPOINT !== '';
    for (const spec of this.#specs) {
      const invoke = createLambdaInvokerWithResult<S3Event | SqsEvent>({
        host,
        port,
        functionName: spec.functionName,
        timeoutSeconds: spec.timeoutSeconds,
      });
      const queue = spec.queue;
      // Through the queue (AWS: bucket -> SQS -> the function), the same batch as SQS messages.
      const deliver: S3InvokeFn = queue
        ? async (event, info) => {
            const batch = buildSqsEvent(event, info.keys, {
              queueArn: queue.arn,
              region: cfg.AWS_REGION,
              receiveCount: info.attempt,
            });
            return { retryKeys: keysToRetry(batch, await invoke(batch.event)) };
          }
        : async (event) => void (await invoke(event));
      const source = new S3EventSource({
        bucket: spec.bucket,
        filters: spec.filters,
        list,
        invoke: deliver,
        pollIntervalMs: options.pollIntervalMs,
        // A queue's batch is at most its mapping's batchSize, as in AWS.
        batchSize: queue ? Math.min(options.batchSize, queue.batchSize) : options.batchSize,
        sweepBatchSize: options.sweepBatchSize,
        maxInFlight: options.maxInFlight,
        finder: new NewObjectFinder({ list: query, rootPrefix: spec.filters.prefix ?? '' }),
        fullListIntervalMs: options.fullListIntervalMs,
        notifiedPollIntervalMs: options.notifiedPollIntervalMs,
        region: cfg.AWS_REGION,
        configurationId: spec.configurationId,
        logger: this.log,
        label: spec.functionKey,
      });
      this.#sources.push(source);
      if (notifications) {
        this.#streams.push(
          new NotificationStream({
            endpoint: cfg.MINIO_ENDPOINT,
            region: cfg.AWS_REGION,
            accessKeyId: cfg.MINIO_ACCESS_KEY,
            secretAccessKey: cfg.MINIO_SECRET_KEY,
            bucket: spec.bucket,
            filters: spec.filters,
            onObjects: (objects) => source.notify(objects),
            onConnected: () => source.setNotificationsFlowing(true),
            onDisconnected: () => source.setNotificationsFlowing(false),
            log: this.log,
            label: spec.functionKey,
          }),
        );
      }
    }
    // Stop polling and let the invocation in flight finish (no process.exit: the npm plugin
    // serverless-offline-s3 called it on SIGINT).
    this.listenForTermination('stopping');
    this.logInvoking(
      host,
      port,
      this.#specs.map((s) => s.functionName),
    );
    // In the background: serverless-offline must not wait for us.
    void this.#startWhenLambdaApiAnswers(host, port);
  }

  async #startWhenLambdaApiAnswers(host: string, port: number): Promise<void> {
    let warned = false;
    while (!this.stopped && !(await portOpen(port, host))) {
      if (!warned) this.log.warn(`waiting for the Lambda API on ${host}:${port}`);
      warned = true;
      await sleep(500);
    }
    if (this.stopped) return;
    for (const s of this.#sources) s.start();
    for (const s of this.#streams) s.start();
  }

  /** Resolves once every source has stopped and its invocation in flight has ended. */
  protected stopSources(): Promise<void> {
    return Promise.all(
      [...this.#streams, ...this.#sources].map((s) =>
        s.stop().catch((err: unknown) => this.log.error(`stop failed: ${errorMessage(err)}`)),
      ),
    ).then(() => undefined);
  }
}
