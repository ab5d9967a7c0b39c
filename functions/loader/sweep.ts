/**
 * The sweep: load every lake object of the last `days` commit dates that is missing from the
 * ledger. Run on a schedule, it heals a lost notification or a message that reached the
 * dead-letter queue: the object is loaded at the next sweep at the latest.
 *
 * Built to scale with the lake:
 * - a prefix's listing pages are gathered into chunks of up to `lookupKeys` keys (50,000), and
 *   each chunk is compared with the ledger in one range query (its first to its last key), so
 *   600,000 keys cost a dozen queries, not 600;
 * - a per-prefix watermark (`verifiedBefore`): every object stored before it was in the ledger at
 *   an earlier sweep, so only objects stored since (or never verified) are compared. The ledger is
 *   never pruned, so what was in it stays in it. Sound because it is a time, not a key: offsets in
 *   the keys are not zero-padded, so a key watermark (ListObjectsV2's StartAfter) would skip new
 *   keys that sort before it. Listing itself is not skipped for that reason (S3 cannot list by
 *   time); a LIST call costs ~1/1,000 of a ledger look-up per key;
 * - the missing objects of every prefix go into one pool loaded in batches of `batchSize`, so
 *   1,000 missing objects spread over nine prefixes are one load, not nine;
 * - several prefixes (table x day, today's first) are listed side by side;
 * - it stops cleanly before the invocation's deadline; the prefixes it did not finish go first at
 *   the next run (the cursor);
 * - a prefix that fails (a listing or the warehouse refusing) is reported and the others go on.
 * The cursor (watermarks, prefixes left) is kept in the warehouse where its adapter can
 * (`_sweep_marks`, read at the start, a prefix's row written as soon as it is finished, the rest
 * at the end), so a cold container (the usual one for a scheduled sweep) resumes; the container's
 * own copy is merged in. A mark that cannot be written is logged: the next run compares that
 * prefix again, which is slower, never wrong.
 * Objects older than the window are left to `npm run backfill`.
 */
import { isLoadableKey, prefixesForDates } from '../shared/objectKeys';
import { errorMessage } from '../shared/errors';
import type { TableName } from '../shared/tables';
import { DEADLINE_RESERVE_MS, loadObjects, summarize, type LoaderDeps, type LoadReport, type ObjectOutcome } from './loader';
import type { ListedObject } from './s3ObjectStore';
import type { SweepMark } from './port';
import { leaveCursor, readMarks, resume, WATERMARK_MARGIN_MS, type SweepCursor } from './sweepCursor';

export { WATERMARK_MARGIN_MS, type SweepCursor } from './sweepCursor';

export interface SweepOptions {
  bucket: string;
  /** Commit dates swept, counting back from today (UTC): 1 is today only. */
  days: number;
  now?: Date;
  /** Objects per load (one warehouse session each). */
  batchSize?: number;
  /** Prefixes swept side by side. */
  concurrency?: number;
  /** Keys compared with the ledger in one range query (a prefix's listing pages gathered up to it). */
  lookupKeys?: number;
  /** Where an earlier run stopped and what it verified; updated in place (default: this container's own). */
  cursor?: SweepCursor;
  /** The tables whose folders are swept (CAPTURED_TABLES; default: those tables.ts declares). */
  tables?: readonly TableName[];
}

export interface SweepReport extends LoadReport {
  prefixes: number;
  prefixesFailed: Array<{ prefix: string; reason: string }>;
  /** Every prefix was swept to its end and its missing objects loaded (false: the deadline came first). */
  complete: boolean;
  /** Loadable keys listed. */
  listed: number;
  /** Of those, compared with the ledger (the others were older than their prefix's watermark). */
  compared: number;
}

export const DEFAULT_SWEEP_CONCURRENCY = 8;
export const DEFAULT_LOOKUP_KEYS = 50_000;
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

interface Missing {
  prefix: string;
  object: ListedObject;
}

export async function sweep(opts: SweepOptions, deps: LoaderDeps): Promise<SweepReport> {
  const now = deps.now ?? Date.now;
  const batchSize = opts.batchSize ?? 1000;
  const lookupKeys = opts.lookupKeys ?? DEFAULT_LOOKUP_KEYS;
  const cursor = opts.cursor ?? containerCursor;
  const window = sweepPrefixes(opts.days, opts.now, opts.tables);
  const stored = await readMarks(deps);
  const { marks, queue } = resume(cursor, stored, window);
  const outcomes: ObjectOutcome[] = [];
  const failed: Array<{ prefix: string; reason: string }> = [];
  const unfinished = new Set<string>();
  /** Prefixes compared to their end, with when their listing began. */
  const compared = new Map<string, number>();
  const pool: Missing[] = [];
  const poolOf = new Map<string, Missing[]>();
  /** Missing objects now in the ledger (loaded, or found loaded). */
  const settled = new Set<string>();
  /** Prefixes finished (compared to their end, every missing object loaded) and their mark saved. */
  const finished = new Set<string>();
  let listed = 0;
  let lookedUp = 0;
  let stopped = false;
  let loading: Promise<unknown> = Promise.resolve();
  const timeUp = () => deps.deadline !== undefined && deps.deadline - now() < DEADLINE_RESERVE_MS;

  const load = async (batch: Missing[]) => {
    const requests = batch.map((m) => ({ bucket: opts.bucket, key: m.object.key, etag: m.object.etag }));
    // One load at a time: a warehouse session's transaction is not to be shared.
    const run = () => loadObjects(requests, deps);
    const report = await (loading = loading.then(run, run));
    outcomes.push(...report.outcomes);
    for (const o of report.outcomes) if (o.status === 'loaded' || o.status === 'already-loaded') settled.add(o.key);
    if (report.deferred > 0) stopped = true;
    await saveFinished();
  };
  /** Saved in the warehouse, between loads (never inside a load's transaction); a failure is logged, not thrown. */
  const save = async (rows: SweepMark[]) => {
    if (rows.length === 0 || stored === undefined) return;
    const run = async () => {
      const session = await deps.warehouse.open({ deadline: deps.deadline });
      try {
        await session.saveSweepMarks?.(rows);
      } finally {
        await session.close();
      }
    };
    try {
      await (loading = loading.then(run, run));
    } catch (err) {
      deps.log.warn('the sweep could not save its marks; the next run compares these prefixes again', {
        prefixes: rows.map((r) => r.prefix),
        reason: errorMessage(err),
      });
    }
  };
  // A prefix compared to its end whose missing objects are all in the ledger: verified up to its
  // listing's start (less the margin), saved at once, so a run the deadline stops keeps it.
  const saveFinished = async () => {
    const rows: SweepMark[] = [];
    for (const [prefix, listedAt] of compared) {
      if (finished.has(prefix) || (poolOf.get(prefix) ?? []).some((m) => !settled.has(m.object.key))) continue;
      finished.add(prefix);
      marks[prefix] = Math.max(marks[prefix] ?? -Infinity, listedAt - WATERMARK_MARGIN_MS);
      rows.push({ prefix, verifiedBefore: marks[prefix], pending: null });
    }
    await save(rows);
  };
  const loadFullBatches = async () => {
    while (pool.length >= batchSize && !stopped) await load(pool.splice(0, batchSize));
  };

  const sweepPrefix = async (prefix: string) => {
    const listedAt = opts.now?.getTime() ?? Date.now();
    const mark = marks[prefix];
    const pages = deps.store.listPages
      ? deps.store.listPages(opts.bucket, prefix)
      : onePage(deps.store.list(opts.bucket, prefix));
    let chunk: ListedObject[] = [];
    const compare = async () => {
      if (chunk.length === 0) return;
      const keys = chunk.map((o) => o.key).sort();
      chunk.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const session = await deps.warehouse.open({ deadline: deps.deadline });
      let have: Set<string>;
      try {
        // One range query for the whole chunk: its first and last key bound the ledger rows.
        if (session.loadedKeysBetween) have = await session.loadedKeysBetween(keys[0]!, keys[keys.length - 1]!);
        else {
          // A key list instead (DuckDB's list_contains scans it per ledger row): 1,000 at a time.
          have = new Set();
          for (let i = 0; i < keys.length; i += 1000)
            for (const k of await session.loadedKeys(keys.slice(i, i + 1000))) have.add(k);
        }
      } finally {
        await session.close();
      }
      lookedUp += chunk.length;
      const missing = chunk.filter((o) => !have.has(o.key)).map((object) => ({ prefix, object }));
      outcomes.push(...chunk.filter((o) => have.has(o.key)).map((o) => ({ key: o.key, status: 'already-loaded' as const })));
      pool.push(...missing);
      poolOf.set(prefix, [...(poolOf.get(prefix) ?? []), ...missing]);
      chunk = [];
      await loadFullBatches();
    };
    for await (const page of pages) {
      for (const o of page) {
        if (!isLoadableKey(o.key, deps.dlqPrefix)) continue;
        listed++;
        // Stored before the watermark: verified by an earlier run.
        if (mark !== undefined && o.lastModified !== undefined && o.lastModified < mark) continue;
        chunk.push(o);
      }
      if (chunk.length >= lookupKeys) await compare();
      if (stopped || timeUp()) throw new DeadlineReached();
    }
    await compare();
    compared.set(prefix, listedAt);
    await saveFinished();
  };

  const worker = async () => {
    for (;;) {
      const prefix = queue.shift();
      if (prefix === undefined) return;
      if (stopped || timeUp()) {
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
  // What is left in the pool: fewer than a batch, or more if the deadline stopped a load.
  while (pool.length > 0 && !stopped && !timeUp()) await load(pool.splice(0, batchSize));

  // Watermarks of the prefixes compared to their end but not finished: up to the oldest of their
  // missing objects not loaded yet (failed, or never reached).
  for (const [prefix, listedAt] of compared) {
    if (finished.has(prefix)) continue;
    const left = (poolOf.get(prefix) ?? []).filter((m) => !settled.has(m.object.key));
    if (left.length > 0) unfinished.add(prefix);
    const times = left.map((m) => m.object.lastModified);
    if (times.some((t) => t === undefined)) continue;
    const next = Math.min(listedAt - WATERMARK_MARGIN_MS, ...(times as number[]));
    marks[prefix] = Math.max(marks[prefix] ?? -Infinity, next);
  }
  // Deferred objects were never tried: their outcomes are the missing ones not in `outcomes`.
  const tried = new Set(outcomes.map((o) => o.key));
  for (const m of pool) if (!tried.has(m.object.key)) outcomes.push({ key: m.object.key, status: 'deferred' });

  await save(leaveCursor(cursor, marks, window, unfinished, failed));
  await deps.warehouse.release();
  const report: SweepReport = {
    ...summarize(outcomes),
    prefixes: window.length,
    prefixesFailed: failed,
    complete: unfinished.size === 0,
    listed,
    compared: lookedUp,
  };
  deps.log.info('sweep done', {
    prefixes: window.length,
    listed,
    compared: lookedUp,
    loaded: report.loaded,
    rows: report.rows,
    alreadyLoaded: report.alreadyLoaded,
    failed: report.failed,
    deferred: report.deferred,
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
