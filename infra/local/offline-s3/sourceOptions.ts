/**
 * S3EventSource's options (what each means), their defaults and its stats; see source.ts.
 */
import type { RetryPolicy } from '../offline-common/retry';
import type { SourceLogger } from '../offline-common/log';
import type { S3Event } from './event';
import type { S3Filters } from './filters';
import type { ListFn } from '../lib/s3List';
import type { NewObjectLister } from './newObjects';

export interface DeliveryInfo {
  kind: 'sweep' | 'new';
  keys: string[];
  /** 1 for the first try of this batch. */
  attempt: number;
}

/**
 * Delivers one event; must throw (reject) when the function failed. May resolve with the keys to
 * deliver again (an SQS batch's batchItemFailures); the others count as delivered.
 */
export type S3InvokeFn = (event: S3Event, info: DeliveryInfo) => Promise<void | { retryKeys: string[] }>;

export interface S3EventSourceOptions {
  bucket: string;
  list: ListFn;
  invoke: S3InvokeFn;
  filters?: S3Filters;
  /** Pause between listings; records per invocation after the sweep, and during it. */
  pollIntervalMs?: number;
  batchSize?: number;
  sweepBatchSize?: number;
  maxInFlight?: number;
  retry?: Partial<RetryPolicy>;
  region?: string;
  configurationId?: string;
  logger?: SourceLogger;
  /** Prefix of every log line, e.g. the function name. */
  label?: string;
  /** While an invocation runs longer than this, say so (again every interval). */
  slowInvocationLogMs?: number;
  /** Lists only what can be new after the sweep (see newObjects.ts); without it, every poll lists everything. */
  finder?: NewObjectLister;
  /** With a finder: a full listing this often anyway. */
  fullListIntervalMs?: number;
  /** Pause between listings while notifications flow (they deliver; listings only catch what they lose). */
  notifiedPollIntervalMs?: number;
}

export const DEFAULT_POLL_INTERVAL_MS = 1000;
export const DEFAULT_BATCH_SIZE = 100;
export const DEFAULT_SWEEP_BATCH_SIZE = 100;
export const DEFAULT_MAX_IN_FLIGHT = 1;
export const DEFAULT_SLOW_INVOCATION_LOG_MS = 30_000;
export const DEFAULT_FULL_LIST_INTERVAL_MS = 5 * 60_000;
export const DEFAULT_NOTIFIED_POLL_INTERVAL_MS = 5000;

export interface S3EventSourceStats {
  /** Listings completed. */
  polls: number;
  swept: number;
  /** Objects delivered successfully (a re-delivered object counts again). */
  delivered: number;
  invocations: number;
  failures: number;
  queuedObjects: number;
  inFlight: number;
}

export function positiveInt(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${what} must be a positive integer, got ${v}`);
  return v;
}

/** The options with their defaults filled in and checked. */
export type ResolvedSourceOptions = Required<Omit<S3EventSourceOptions, 'filters' | 'retry' | 'logger' | 'label' | 'finder'>> & {
  filters: S3Filters;
  finder?: NewObjectLister;
};

export function resolveSourceOptions(options: S3EventSourceOptions): ResolvedSourceOptions {
  const o: ResolvedSourceOptions = {
    bucket: options.bucket,
    list: options.list,
    invoke: options.invoke,
    filters: options.filters ?? {},
    pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    batchSize: positiveInt(options.batchSize ?? DEFAULT_BATCH_SIZE, 'batchSize'),
    sweepBatchSize: positiveInt(options.sweepBatchSize ?? DEFAULT_SWEEP_BATCH_SIZE, 'sweepBatchSize'),
    maxInFlight: positiveInt(options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT, 'maxInFlight'),
    region: options.region ?? 'us-east-1',
    configurationId: options.configurationId ?? 'offline-s3',
    slowInvocationLogMs: options.slowInvocationLogMs ?? DEFAULT_SLOW_INVOCATION_LOG_MS,
    finder: options.finder,
    fullListIntervalMs: options.fullListIntervalMs ?? DEFAULT_FULL_LIST_INTERVAL_MS,
    notifiedPollIntervalMs: options.notifiedPollIntervalMs ?? DEFAULT_NOTIFIED_POLL_INTERVAL_MS,
  };
  if (!(o.pollIntervalMs >= 0)) throw new Error(`pollIntervalMs must be >= 0, got ${o.pollIntervalMs}`);
  return o;
}
