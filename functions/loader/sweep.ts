/**
 * The sweep: load every lake object of the last `days` commit dates that is missing from the
 * ledger, through the backfill (same listing, same loader, same ledger). Run on a schedule, it
 * heals a lost or dropped S3 event (an async invocation Lambda gave up on, a notification never
 * sent, a loader that was down): the object is loaded at the next sweep at the latest, and an
 * object already loaded costs one ledger lookup. Objects whose commit date is older than the
 * window are left to `npm run backfill`, so that a sweep lists a bounded part of the lake.
 */
import { backfill } from './backfill';
import type { LoaderDeps, LoadReport } from './loader';
import { prefixesForDates } from '../shared/objectKeys';

export interface SweepOptions {
  bucket: string;
  /** Commit dates swept, counting back from today (UTC): 1 is today only. */
  days: number;
  now?: Date;
  batchSize?: number;
}

/** The lake prefixes of the last `days` UTC dates, every table. */
export function sweepPrefixes(days: number, now: Date = new Date()): string[] {
  if (!Number.isInteger(days) || days < 1) throw new Error(`sweep days must be a positive integer, got ${days}`);
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  const from = new Date(now.getTime() - (days - 1) * 86_400_000);
  return prefixesForDates(iso(from), iso(now));
}

export async function sweep(opts: SweepOptions, deps: LoaderDeps): Promise<LoadReport> {
  const prefixes = sweepPrefixes(opts.days, opts.now);
  const report = await backfill({ bucket: opts.bucket, prefixes, batchSize: opts.batchSize }, deps);
  deps.log.info('sweep done', {
    prefixes: prefixes.length,
    loaded: report.loaded,
    rows: report.rows,
    alreadyLoaded: report.alreadyLoaded,
    failed: report.failed,
  });
  return report;
}
