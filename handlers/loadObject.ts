/**
 * Lake objects -> warehouse RAW. In AWS the bucket's notifications reach an SQS queue, and this
 * function reads it in batches (many objects per invocation, one COPY per table); locally
 * infra/local/offline-s3 delivers the same SQS-shaped batches. Throws (so the whole batch is retried)
 * only when the warehouse or the object store refuses; an object left for later because the
 * invocation's deadline was near is reported alone (ReportBatchItemFailures). A corrupt object is
 * logged with its key, recorded in raw._load_errors and skipped, so it never blocks the others;
 * `npm run backfill` re-drives it once fixed. A plain S3 event (`sls invoke local`) loads the same
 * way; a scheduled `{ sweep: true }` event loads whatever of the last SWEEP_DAYS is missing from
 * the ledger (a lost notification).
 */
import type { Context } from 'aws-lambda';
import {
  decodeLakeEventKey,
  loadLoaderConfig,
  loadObjects,
  objectStoreFromConfig,
  parseCapturedTables,
  sweep,
  warehouseFromConfig,
  type LoadReport,
} from '../functions/loader';
import { validateLoadObjectEvent } from './events';
import { lambda, logger } from './middleware';
import { recordLoad } from './metrics';
import { batchItemFailures, requestsFromSqs } from './sqsS3';

const cfg = loadLoaderConfig();
const warehouse = warehouseFromConfig(cfg, logger);
const store = objectStoreFromConfig(cfg);

export const handler = lambda(validateLoadObjectEvent, async ({ kind, event }, context: Context) => {
  // A caller without Lambda's context (a test, a script) has no deadline.
  const deadline =
    typeof context?.getRemainingTimeInMillis === 'function' ? Date.now() + context.getRemainingTimeInMillis() : undefined;
  const deps = { warehouse, store, log: logger, dlqPrefix: cfg.DLQ_PREFIX, deadline };
  if (kind === 'sweep') {
    const tables = parseCapturedTables(cfg.CAPTURED_TABLES);
    return sweep({ bucket: cfg.MINIO_BUCKET, days: event.days ?? cfg.SWEEP_DAYS, tables }, deps).then((r) => ({
      ...outcome(r),
      sweep: { prefixes: r.prefixes, prefixesFailed: r.prefixesFailed, complete: r.complete },
    }));
  }
  if (kind === 'sqs') {
    const queued = requestsFromSqs(event);
    for (const u of queued.unreadable) logger.error('message is not an S3 event; left for the dead-letter queue', u);
    const report = await loadObjects(queued.requests, deps);
    return { ...outcome(report), batchItemFailures: batchItemFailures(queued, report) };
  }
  const requests = event.Records.map((r) => ({
    bucket: r.s3.bucket.name,
    key: decodeLakeEventKey(r.s3.object.key),
    etag: r.s3.object.eTag ?? null,
  }));
  return outcome(await loadObjects(requests, deps));
});

function outcome(report: LoadReport) {
  const failed = report.outcomes.flatMap((o) => (o.status === 'failed' ? [{ key: o.key, reason: o.reason }] : []));
  recordLoad({ ...report, failed });
  const summary = {
    loaded: report.loaded,
    rows: report.rows,
    alreadyLoaded: report.alreadyLoaded,
    ignored: report.ignored,
    deferred: report.deferred,
    failed,
  };
  logger.info('loadObject done', summary);
  return summary;
}
