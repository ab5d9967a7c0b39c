/**
 * S3 ObjectCreated -> warehouse RAW. Loads every .parquet object named in the event; throws
 * (so Lambda retries the event) only when the warehouse or the object store refuses. A corrupt
 * object is logged with its key, recorded in raw._load_errors and skipped, so it never blocks
 * the other objects; `npm run backfill` re-drives it once fixed.
 */
import { loadConfig } from '../functions/shared/config';
import { decodeEventKey } from '../functions/warehouse/objectKeys';
import { loadObjects } from '../functions/warehouse/loader';
import { objectStoreFromConfig, warehouseFromConfig } from '../functions/warehouse/fromConfig';
import { s3EventSchema } from './events';
import { lambda, logger } from './middleware';

const cfg = loadConfig();
const warehouse = warehouseFromConfig(cfg, logger);
const store = objectStoreFromConfig(cfg);

export const handler = lambda(s3EventSchema, async (event) => {
  const requests = event.Records.map((r) => ({
    bucket: r.s3.bucket.name,
    key: decodeEventKey(r.s3.object.key),
    etag: r.s3.object.eTag ?? null,
  }));
  const report = await loadObjects(requests, { warehouse, store, log: logger, dlqPrefix: cfg.DLQ_PREFIX });
  const failed = report.outcomes.flatMap((o) => (o.status === 'failed' ? [{ key: o.key, reason: o.reason }] : []));
  logger.info('loadObject done', {
    loaded: report.loaded,
    rows: report.rows,
    alreadyLoaded: report.alreadyLoaded,
    ignored: report.ignored,
    failed,
  });
  return { loaded: report.loaded, rows: report.rows, alreadyLoaded: report.alreadyLoaded, ignored: report.ignored, failed };
});
