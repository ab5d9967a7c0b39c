/**
 * Reads every function's `s3` events from the resolved serverless config and `custom.offlineS3`.
 *
 * serverless.yml form (https://www.serverless.com/framework/docs/providers/aws/events/s3):
 *   - s3: { bucket, event: s3:ObjectCreated:*, rules: [{ prefix }, { suffix }], existing: true }
 * or `- s3: <bucket>` (event defaults to s3:ObjectCreated:*). Polling sees objects appear, so only
 * ObjectCreated events can be emulated; others are reported and skipped.
 */
import { asRecord, deployedFunction, num, type ServiceLike } from '../lib/serverless';
import type { S3Filters } from './filters';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_FULL_LIST_INTERVAL_MS,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_NOTIFIED_POLL_INTERVAL_MS,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_SWEEP_BATCH_SIZE,
} from './sourceOptions';

export interface S3Spec {
  functionKey: string;
  /** Deployed name `<service>-<stage>-<function>`: what serverless-offline's Lambda API knows it by. */
  functionName: string;
  timeoutSeconds: number;
  bucket: string;
  event: string;
  filters: S3Filters;
  /** What AWS would name the notification configuration (the framework uses the function's name). */
  configurationId: string;
  /**
   * Set when the bucket notifies an SQS queue the function reads (a Custom::BucketQueueNotification
   * in `resources` and an `sqs` event on its queue): the function then gets SQS batches.
   */
  queue?: { logicalId: string; arn: string; batchSize: number };
}

export interface OfflineS3Options {
  enabled: boolean;
  pollIntervalMs: number;
  batchSize: number;
  sweepBatchSize: number;
  maxInFlight: number;
  fullListIntervalMs: number;
  /** Listen to MinIO's notification stream (off: listings only). */
  notifications: boolean;
  notifiedPollIntervalMs: number;
}

/** The queue a `Fn::GetAtt: [Queue, Arn]` names, if that is what it is. */
function getAttArn(v: unknown): string | undefined {
  const att = asRecord(v)?.['Fn::GetAtt'];
  const parts = Array.isArray(att) ? att : typeof att === 'string' ? att.split('.') : [];
  return parts.length === 2 && parts[1] === 'Arn' && typeof parts[0] === 'string' ? parts[0] : undefined;
}

/**
 * Bucket -> queue -> function routes: each Custom::BucketQueueNotification resource (the loader's,
 * infra/aws/loader-queue.yml) whose queue a function reads with an `sqs` event.
 */
export function readQueueSpecs(service: ServiceLike): S3Spec[] {
  const resources = asRecord(asRecord(service.resources)?.Resources) ?? {};
  const specs: S3Spec[] = [];
  const region = service.provider?.region ?? 'us-east-1';
  for (const [logicalId, raw] of Object.entries(resources)) {
    const r = asRecord(raw);
    if (r?.Type !== 'Custom::BucketQueueNotification') continue;
    const p = asRecord(r.Properties) ?? {};
    const queueId = getAttArn(p.QueueArn);
    const bucket = p.BucketName;
    if (!queueId || typeof bucket !== 'string')
      throw new Error(`${logicalId}: needs BucketName and QueueArn: { Fn::GetAtt: [<queue>, Arn] }`);
    const queueName = String(asRecord(asRecord(resources[queueId])?.Properties)?.QueueName ?? queueId);
    for (const functionKey of service.getAllFunctions()) {
      const { functionName, timeoutSeconds } = deployedFunction(service, functionKey);
      for (const ev of service.getFunction(functionKey).events ?? []) {
        const sqs = asRecord(asRecord(ev)?.sqs);
        if (!sqs || getAttArn(sqs.arn) !== queueId) continue;
        const filters: S3Filters = {};
        if (typeof p.Prefix === 'string') filters.prefix = p.Prefix;
        if (typeof p.Suffix === 'string') filters.suffix = p.Suffix;
        specs.push({
          functionKey,
          functionName,
          timeoutSeconds,
          bucket,
          event: 's3:ObjectCreated:*',
          filters,
          configurationId: String(p.Id ?? logicalId),
          queue: {
            logicalId: queueId,
            arn: `arn:aws:sqs:${region}:000000000000:${queueName}`,
            batchSize: num(sqs.batchSize, `${functionKey} sqs batchSize`, 10),
          },
        });
      }
    }
  }
  return specs;
}

export function readS3Specs(service: ServiceLike, opts: { warn?: (m: string) => void } = {}): S3Spec[] {
  const warn = opts.warn ?? (() => undefined);
  const specs: S3Spec[] = readQueueSpecs(service);
  for (const functionKey of service.getAllFunctions()) {
    const fn = service.getFunction(functionKey);
    const { functionName, timeoutSeconds } = deployedFunction(service, functionKey);
    (fn.events ?? []).forEach((ev, i) => {
      const raw = asRecord(ev)?.s3;
      if (raw === undefined) return;
      const where = `${functionKey} event ${i + 1} (s3)`;
      const cfg = typeof raw === 'string' ? { bucket: raw } : asRecord(raw);
      const bucket = cfg?.bucket;
      if (typeof bucket !== 'string' || bucket === '')
        throw new Error(`${where}: bucket must be a bucket name (a CloudFormation reference cannot be polled locally)`);
      const event = typeof cfg?.event === 'string' ? cfg.event : 's3:ObjectCreated:*';
      if (!/^s3:ObjectCreated:/.test(event)) {
        warn(`${where}: ${event} on ${bucket} is not emulated locally (only s3:ObjectCreated:* events are); skipped`);
        return;
      }
      specs.push({
        functionKey,
        functionName,
        timeoutSeconds,
        bucket,
        event,
        filters: readRules(cfg?.rules, where),
        configurationId: functionName,
      });
    });
  }
  return specs;
}

function readRules(rules: unknown, where: string): S3Filters {
  if (rules === undefined || rules === null) return {};
  if (!Array.isArray(rules)) throw new Error(`${where}: rules must be a list of { prefix } / { suffix }`);
  const filters: S3Filters = {};
  for (const rule of rules) {
    const r = asRecord(rule) ?? {};
    for (const [name, value] of Object.entries(r)) {
      if ((name !== 'prefix' && name !== 'suffix') || typeof value !== 'string')
        throw new Error(`${where}: unsupported rule ${JSON.stringify(rule)} (only prefix and suffix strings)`);
      if (filters[name] !== undefined) throw new Error(`${where}: ${name} appears twice in rules`);
      filters[name] = value;
    }
  }
  return filters;
}

/** `custom.offlineS3` with defaults; `OFFLINE_S3=off` disables it, `OFFLINE_S3_NOTIFICATIONS=off` its notification stream. */
export function readOptions(service: ServiceLike, env: NodeJS.ProcessEnv = process.env): OfflineS3Options {
  const c = asRecord(service.custom?.offlineS3) ?? {};
  const int = (name: string, fallback: number, min: number) => {
    const v = num(c[name], `custom.offlineS3.${name}`, fallback);
    if (!Number.isInteger(v) || v < min) throw new Error(`custom.offlineS3.${name} must be an integer >= ${min}, got ${v}`);
    return v;
  };
  return {
    enabled: env.OFFLINE_S3 !== 'off' && c.enabled !== false && c.enabled !== 'false',
    pollIntervalMs: int('pollIntervalMs', DEFAULT_POLL_INTERVAL_MS, 0),
    batchSize: int('batchSize', DEFAULT_BATCH_SIZE, 1),
    sweepBatchSize: int('sweepBatchSize', DEFAULT_SWEEP_BATCH_SIZE, 1),
    maxInFlight: int('maxInFlight', DEFAULT_MAX_IN_FLIGHT, 1),
    fullListIntervalMs: int('fullListIntervalMs', DEFAULT_FULL_LIST_INTERVAL_MS, 0),
    notifications: env.OFFLINE_S3_NOTIFICATIONS !== 'off' && c.notifications !== false && c.notifications !== 'false',
    notifiedPollIntervalMs: int('notifiedPollIntervalMs', DEFAULT_NOTIFIED_POLL_INTERVAL_MS, 0),
  };
}
