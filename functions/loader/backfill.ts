/**
 * Re-drive the loader over lake prefixes: list every object (paginated) and load them through
 * the same core as the S3 event, in batches so the DuckDB file is released between batches.
 * Safe to run any number of times: the ledger skips what is already loaded.
 */
import { isLoadableKey } from '../shared/objectKeys';
import { loadObjects, summarize, type LoaderDeps, type LoadRequest, type ObjectOutcome, type LoadReport } from './loader';

export interface BackfillOptions {
  bucket: string;
  prefixes: readonly string[];
  /** Objects per warehouse session. */
  batchSize?: number;
}

export async function backfill(opts: BackfillOptions, deps: LoaderDeps): Promise<LoadReport> {
  const batchSize = opts.batchSize ?? 50;
  const outcomes: ObjectOutcome[] = [];
  let batch: LoadRequest[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const report = await loadObjects(batch, deps);
    outcomes.push(...report.outcomes);
    deps.log.info('backfill batch done', {
      objects: batch.length,
      loaded: report.loaded,
      rows: report.rows,
      failed: report.failed,
    });
    batch = [];
  };
  for (const prefix of opts.prefixes) {
    for await (const o of deps.store.list(opts.bucket, prefix)) {
      // Listing keys are already decoded; dead letters and non-Parquet never reach the loader.
      if (!isLoadableKey(o.key, deps.dlqPrefix)) continue;
      batch.push({ bucket: opts.bucket, key: o.key, etag: o.etag });
      if (batch.length >= batchSize) await flush();
    }
  }
  await flush();
  await deps.warehouse.release();
  return summarize(outcomes);
}

/** Human summary line(s) for the command's output. */
export function formatReport(report: LoadReport): string {
  const lines = [
    `loaded ${report.loaded} objects / ${report.rows} rows, skipped ${report.alreadyLoaded} already loaded, failed ${report.failed}`,
  ];
  for (const o of report.outcomes) if (o.status === 'failed') lines.push(`  FAILED ${o.key}: ${o.reason}`);
  return lines.join('\n');
}
