/**
 * The sweep: load every lake object of the last `days` commit dates that is missing from the
 * ledger. Run on a schedule, it heals a lost notification or a message that reached the
 * dead-letter queue: the object is loaded at the next sweep at the latest.
 *
 * Built to scale with the lake:
 * - each listing page (up to 1,000 keys) is compared with the ledger in one query, and only the
 *   keys the ledger lacks are loaded (in batches, through the same loader as the queue);
 * - several prefixes (table x day, today's first) are swept side by side;
 * - it stops cleanly before the invocation's deadline and remembers where (a cursor: the prefix
 *   and the last key it compared), so the next run in this container resumes there, then wraps
 *   round to the prefixes it has not reached;
 * - a prefix that fails (a listing or the warehouse refusing) is reported and the others go on.
 * Objects older than the window are left to `npm run backfill`.
 */
import { isLoadableKey, prefixesForDates } from '../shared/objectKeys';
import { errorMessage } from '../shared/errors';
import type { TableName } from '../shared/tables';
import { DEADLINE_RESERVE_MS, loadObjects, summarize, type LoaderDeps, type LoadReport, type ObjectOutcome } from './loader';
import type { ListedObject } from './objectStore';

export interface SweepOptions {
  bucket: string;
  /** Commit dates swept, counting back from today (UTC): 1 is today only. */
  days: number;
  now?: Date;
  /** Objects per load (one warehouse session each). */
  batchSize?: number;
  /** Prefixes swept side by side. */
  concurrency?: number;
  /** Where an earlier run stopped; updated in place (default: this container's own). */
  cursor?: SweepCursor;
  /** The tables whose folders are swept (CAPTURED_TABLES; default: those tables.ts declares). */
  tables?: readonly TableName[];
}

/** Where a sweep stopped: the prefixes left, and within the first, the last key it compared. */
export interface SweepCursor {
  pending?: string[];
  startAfter?: Record<string, string>;
}

export interface SweepReport extends LoadReport {
  prefixes: number;
  prefixesFailed: Array<{ prefix: string; reason: string }>;
  /** Every prefix was swept to its end (false: stopped at the deadline; the cursor says where). */
  complete: boolean;
  /** Keys compared with the ledger. */
  listed: number;
}

export const DEFAULT_SWEEP_CONCURRENCY = 8;
const containerCursor: SweepCursor = {};

/** The lake prefixes of the last `days` UTC dates, every table, newest day first. */
export function sweepPrefixes(days: number, now: Date = new Date(), tables?: readonly TableName[]): string[] {
  if (!Number.isInteger(days) || days < 1) throw new Error(`sweep days must be a positive integer, got ${days}`);
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  const from = new Date(now.getTime() - (days - 1) * 86_400_000);
  const prefixes = prefixesForDates(iso(from), iso(now), tables);
  const day = (p: string) => p.slice(p.indexOf('date=') + 5, p.indexOf('date=') + 15);
  return prefixes.sort((a, b) => day(b).localeCompare(day(a)));
}

export async function sweep(opts: SweepOptions, deps: LoaderDeps): Promise<SweepReport> {
  const now = deps.now ?? Date.now;
  const batchSize = opts.batchSize ?? 1000;
  const cursor = opts.cursor ?? containerCursor;
  const window = sweepPrefixes(opts.days, opts.now, opts.tables);
  // Resume: the prefixes an earlier run did not finish (still in the window) first, then the rest.
  const resumed = (cursor.pending ?? []).filter((p) => window.includes(p));
  const queue = [...resumed, ...window.filter((p) => !resumed.includes(p))];
  const startAfter = { ...(cursor.startAfter ?? {}) };
  const outcomes: ObjectOutcome[] = [];
  const failed: Array<{ prefix: string; reason: string }> = [];
  const unfinished = new Set<string>();
  let listed = 0;
  let loading: Promise<unknown> = Promise.resolve();
  const timeUp = () => deps.deadline !== undefined && deps.deadline - now() < DEADLINE_RESERVE_MS;

  const sweepPrefix = async (prefix: string) => {
    const pages = deps.store.listPages
      ? deps.store.listPages(opts.bucket, prefix, startAfter[prefix])
      : onePage(deps.store.list(opts.bucket, prefix));
    let missing: ListedObject[] = [];
    const flush = async () => {
      if (missing.length === 0) return;
      const batch = missing.map((o) => ({ bucket: opts.bucket, key: o.key, etag: o.etag }));
      // One load at a time: a warehouse session's transaction is not to be shared.
      const report = await (loading = loading.then(
        () => loadObjects(batch, deps),
        () => loadObjects(batch, deps),
      ));
      outcomes.push(...report.outcomes);
      missing = [];
      if (report.deferred > 0) throw new DeadlineReached();
    };
    for await (const page of pages) {
      const keys = page.filter((o) => isLoadableKey(o.key, deps.dlqPrefix));
      listed += keys.length;
      if (keys.length > 0) {
        const session = await deps.warehouse.open({ deadline: deps.deadline });
        let have: Set<string>;
        try {
          // A page is in key order: its first and last key bound the ledger rows to compare with.
          const sorted = keys.map((o) => o.key).sort();
          have = session.loadedKeysBetween
            ? await session.loadedKeysBetween(sorted[0]!, sorted[sorted.length - 1]!)
            : await session.loadedKeys(sorted);
        } finally {
          await session.close();
        }
        outcomes.push(...keys.filter((o) => have.has(o.key)).map((o) => ({ key: o.key, status: 'already-loaded' as const })));
        missing.push(...keys.filter((o) => !have.has(o.key)));
        if (missing.length >= batchSize) await flush();
      }
      // Everything up to the page's last key is compared (and what was missing, loaded or queued).
      if (page.length > 0 && missing.length === 0) startAfter[prefix] = page[page.length - 1]!.key;
      if (timeUp()) throw new DeadlineReached();
    }
    await flush();
    delete startAfter[prefix];
  };

  const worker = async () => {
    for (;;) {
      const prefix = queue.shift();
      if (prefix === undefined) return;
      if (timeUp()) {
        unfinished.add(prefix);
        continue;
      }
      try {
        await sweepPrefix(prefix);
      } catch (err) {
        unfinished.add(prefix);
        if (err instanceof DeadlineReached) continue;
        const reason = errorMessage(err);
        failed.push({ prefix, reason });
        deps.log.error('sweep of a prefix failed; the others go on', { prefix, reason });
      }
    }
  };
  // Ledger look-ups side by side only where the warehouse takes concurrent statements.
  const concurrency = opts.concurrency ?? (deps.warehouse.concurrentStatements ? DEFAULT_SWEEP_CONCURRENCY : 1);
  await Promise.all(Array.from({ length: concurrency }, worker));
  await deps.warehouse.release();

  // A failed prefix goes to the back of the next run; one the deadline stopped, to the front.
  const stopped = [...unfinished].filter((p) => !failed.some((f) => f.prefix === p));
  cursor.pending = [...stopped, ...failed.map((f) => f.prefix)];
  cursor.startAfter = Object.fromEntries(Object.entries(startAfter).filter(([p]) => unfinished.has(p)));
  const report: SweepReport = {
    ...summarize(outcomes),
    prefixes: window.length,
    prefixesFailed: failed,
    complete: unfinished.size === 0,
    listed,
  };
  deps.log.info('sweep done', {
    prefixes: window.length,
    listed,
    loaded: report.loaded,
    rows: report.rows,
    alreadyLoaded: report.alreadyLoaded,
    failed: report.failed,
    prefixesFailed: failed.length,
    complete: report.complete,
  });
  return report;
}

class DeadlineReached extends Error {}

/** A store without pages: one page of everything (tests' small fakes). */
async function* onePage(objects: AsyncIterable<ListedObject>): AsyncIterable<ListedObject[]> {
  const all: ListedObject[] = [];
  for await (const o of objects) all.push(o);
  yield all;
}
