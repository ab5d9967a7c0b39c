/**
 * S3 ObjectCreated -> warehouse RAW. Loads every .parquet object named in the event; throws
 * (so Lambda retries the event) only when the warehouse or the object store refuses. A corrupt
 * object is logged with its key, recorded in raw._load_errors and skipped, so it never blocks
 * the other objects; `npm run backfill` re-drives it once fixed. A scheduled `{ sweep: true }`
 * event loads whatever of the last SWEEP_DAYS is missing from the ledger (a lost S3 event).
 */
import {
  decodeEventKey,
  loadLoaderConfig,
  loadObjects,
  objectStoreFromConfig,
  sweep,
  warehouseFromConfig,
  type LoadReport,
} from '../functions/loader';
import { loadObjectEventSchema } from './events';
import { lambda, logger } from './middleware';
import { recordLoad } from './metrics';

const cfg = loadLoaderConfig();
const warehouse = warehouseFromConfig(cfg, logger);
const store = objectStoreFromConfig(cfg);

export const handler = lambda(loadObjectEventSchema, async (event) => {
  const deps = { warehouse, store, log: logger, dlqPrefix: cfg.DLQ_PREFIX };
  if ('sweep' in event) return sweep({ bucket: cfg.MINIO_BUCKET, days: event.days ?? cfg.SWEEP_DAYS }, deps).then(outcome);
  const requests = event.Records.map((r) => ({
    bucket: r.s3.bucket.name,
    key: decodeEventKey(r.s3.object.key),
    etag: r.s3.object.eTag ?? null,
  }));
  return outcome(await loadObjects(requests, deps));
});

function outcome(report: LoadReport) {
  const failed = report.outcomes.flatMap((o) => (o.status === 'failed' ? [{ key: o.key, reason: o.reason }] : []));
  recordLoad({ ...report, failed });
  logger.info('loadObject done', {
    loaded: report.loaded,
    rows: report.rows,
    alreadyLoaded: report.alreadyLoaded,
    ignored: report.ignored,
    failed,
  });
  return { loaded: report.loaded, rows: report.rows, alreadyLoaded: report.alreadyLoaded, ignored: report.ignored, failed };
}
