/**
 * The loader: take lake objects (from an S3 event or a backfill listing) and load each into
 * the warehouse RAW layer exactly once.
 *
 * - Not a loadable key (not .parquet, or under the dead-letter prefix): ignored.
 * - Already in the ledger: nothing is downloaded or inserted.
 * - The rest load many objects per warehouse transaction (rows and ledger rows together); if
 *   one object is refused, that transaction is undone and each object is retried alone.
 * - The object cannot be loaded (bad key, gone, corrupt, wrong schema): reported with its key and
 *   reason, recorded in raw._load_errors, and the other objects go on. "Corrupt" is confirmed by
 *   re-reading the object (corruptCheck.ts): a transient error that only looks like it is retried. It stays out of the ledger,
 *   so a re-drive (backfill) loads it once it is fixed. Retrying the event could not fix it.
 * - The warehouse or the object store refuses: thrown, so the whole event is retried; what was
 *   already loaded is in the ledger and is skipped on the retry.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { isLoadableKey, parseLakeKey, type LakeObjectKey } from '../shared/objectKeys';
import type { ObjectStore } from './s3ObjectStore';
import { recheckCorrupt } from './corruptCheck';
import { CorruptObjectError, ObjectMissingError } from './errors';
import { type Log, type LoadResult, type ObjectToLoad, type Warehouse, type WarehouseSession } from './port';

export interface LoadRequest {
  bucket: string;
  /** Decoded key. */
  key: string;
  /** ETag from the event or listing, when known; replaced by the downloaded object's. */
  etag?: string | null;
}

export type ObjectOutcome =
  | { key: string; status: 'loaded'; rows: number }
  | { key: string; status: 'already-loaded' }
  | { key: string; status: 'ignored'; reason: string }
  | { key: string; status: 'failed'; reason: string }
  /** Not attempted: the invocation's deadline was near. Its event is retried (SQS: a batch item failure). */
  | { key: string; status: 'deferred' };

export interface LoadReport {
  outcomes: ObjectOutcome[];
  loaded: number;
  rows: number;
  alreadyLoaded: number;
  ignored: number;
  failed: number;
  deferred: number;
}

export interface LoaderDeps {
  warehouse: Warehouse;
  store: ObjectStore;
  log: Log;
  dlqPrefix?: string;
  /** Objects per warehouse transaction (default: the warehouse's, else DEFAULT_OBJECTS_PER_TRANSACTION). */
  objectsPerTransaction?: number;
  /**
   * When the invocation ends (epoch ms). The warehouse bounds its statements below it, and no new
   * transaction starts unless twice the last one's time (at least DEADLINE_RESERVE_MS) is left.
   */
  deadline?: number;
  now?: () => number;
}

/** Left free before the deadline for the last transaction to finish and the handler to answer. */
export const DEADLINE_RESERVE_MS = 20_000;

export function summarize(outcomes: ObjectOutcome[]): LoadReport {
  const report: LoadReport = { outcomes, loaded: 0, rows: 0, alreadyLoaded: 0, ignored: 0, failed: 0, deferred: 0 };
  for (const o of outcomes) {
    if (o.status === 'loaded') {
      report.loaded++;
      report.rows += o.rows;
    } else if (o.status === 'already-loaded') report.alreadyLoaded++;
    else if (o.status === 'ignored') report.ignored++;
    else if (o.status === 'deferred') report.deferred++;
    else report.failed++;
  }
  return report;
}

/** Load a batch of objects in one warehouse session. */
export async function loadObjects(requests: readonly LoadRequest[], deps: LoaderDeps): Promise<LoadReport> {
  const { log } = deps;
  const outcomes: ObjectOutcome[] = [];
  const candidates: Array<LoadRequest & { parsed: LakeObjectKey | Error }> = [];
  const seen = new Set<string>();
  for (const r of requests) {
    if (!isLoadableKey(r.key, deps.dlqPrefix)) {
      outcomes.push({ key: r.key, status: 'ignored', reason: 'not a .parquet object outside the dead-letter prefix' });
      log.debug('ignored object', { key: r.key });
      continue;
    }
    // The same key twice in one event (e.g. a rewrite) needs loading once.
    if (seen.has(`${r.bucket}/${r.key}`)) continue;
    seen.add(`${r.bucket}/${r.key}`);
    let parsed: LakeObjectKey | Error;
    try {
      parsed = parseLakeKey(r.key);
    } catch (err) {
      parsed = err instanceof Error ? err : new Error(String(err));
    }
    candidates.push({ ...r, parsed });
  }
  if (candidates.length === 0) return summarize(outcomes);

  const workDir = await mkdtemp(join(tmpdir(), 'loader-'));
  // Where an invocation's time goes (open, ledger check, loads, close), in one line at the end.
  const t = [performance.now()];
  const now = deps.now ?? Date.now;
  const session = await deps.warehouse.open({ deadline: deps.deadline });
  t.push(performance.now());
  try {
    const already = await session.loadedKeys(candidates.map((c) => c.key));
    t.push(performance.now());
    const toLoad: Array<{ req: LoadRequest; parsed: LakeObjectKey }> = [];
    for (const c of candidates) {
      if (c.parsed instanceof Error) {
        outcomes.push(await fail(session, log, c.key, null, c.parsed.message));
      } else if (already.has(c.key)) {
        log.info('already loaded', { key: c.key });
        outcomes.push({ key: c.key, status: 'already-loaded' });
      } else {
        toLoad.push({ req: c, parsed: c.parsed });
      }
    }
    const perTransaction = deps.objectsPerTransaction ?? deps.warehouse.objectsPerTransaction ?? DEFAULT_OBJECTS_PER_TRANSACTION;
    let lastMs = 0;
    /** Leaves the objects from `i` on for a retry (the event source delivers them again). */
    const deferFrom = (i: number) =>
      outcomes.push(...toLoad.slice(i).map((o) => ({ key: o.req.key, status: 'deferred' as const })));
    for (let i = 0; i < toLoad.length; i += perTransaction) {
      if (deps.deadline !== undefined && deps.deadline - now() < Math.max(2 * lastMs, DEADLINE_RESERVE_MS)) {
        log.warn('deadline near: objects left for a retry', { objects: toLoad.length - i, msLeft: deps.deadline - now() });
        deferFrom(i);
        break;
      }
      // Someone waits for the warehouse file: one group at least per invocation, then hand it over.
      if (i > 0 && session.wanted?.()) {
        log.info('warehouse wanted by another process: objects left for a retry', { objects: toLoad.length - i });
        deferFrom(i);
        break;
      }
      const started = now();
      const group = toLoad.slice(i, i + perTransaction).map((o) => lakeObject(deps, o.req, o.parsed, workDir));
      try {
        outcomes.push(...(await loadGroup(session, log, group)));
      } finally {
        await Promise.all(group.map((o) => rm(o.dir, { recursive: true, force: true })));
      }
      lastMs = now() - started;
    }
  } finally {
    t.push(performance.now());
    await session.close();
    t.push(performance.now());
    await rm(workDir, { recursive: true, force: true });
  }
  const [opened, checked, loaded, closed] = t.slice(1).map((x, i) => Math.round(x - t[i]!));
  log.info('objects loaded', { objects: candidates.length, ms: { open: opened, check: checked, load: loaded, close: closed } });
  return summarize(outcomes);
}

/** Objects per warehouse transaction: enough to amortise the commit, few enough to redo cheaply. */
export const DEFAULT_OBJECTS_PER_TRANSACTION = 100;

type LakeObject = ObjectToLoad & {
  dir: string;
  /** A fresh copy of the object, for the corrupt-object check. */
  downloadAgain(): Promise<string>;
};

function lakeObject(deps: LoaderDeps, req: LoadRequest, parsed: LakeObjectKey, workDir: string): LakeObject {
  // Keep the object's own file name: Snowflake's PUT names the staged file after it.
  const dir = join(workDir, `o-${++objectSeq}`);
  const localPath = join(dir, basename(req.key));
  let downloaded: Promise<string> | undefined;
  const object: LakeObject = {
    key: req.key,
    table: parsed.table,
    etag: req.etag ?? null,
    dir,
    async downloadAgain() {
      const again = join(dir, 'again');
      await mkdir(again, { recursive: true });
      const path = join(again, basename(req.key));
      object.etag = (await deps.store.download(req.bucket, req.key, path)).etag ?? object.etag;
      return path;
    },
    localFile: () =>
      (downloaded ??= mkdir(dir, { recursive: true })
        .then(() => deps.store.download(req.bucket, req.key, localPath))
        .then((r) => {
          object.etag = r.etag ?? object.etag;
          return localPath;
        })),
  };
  return object;
}
let objectSeq = 0;

/** The object's content or absence is at fault, not the warehouse: retrying cannot help. */
function objectFault(err: unknown): string | undefined {
  if (err instanceof CorruptObjectError) return err.reason;
  if (err instanceof ObjectMissingError) return err.message;
  return undefined;
}

/**
 * All objects in one transaction; when one of them is refused, the transaction is undone and
 * each object gets a transaction of its own, so the good ones load and only the bad one fails.
 */
async function loadGroup(session: WarehouseSession, log: Log, objects: LakeObject[]): Promise<ObjectOutcome[]> {
  if (objects.length > 1) {
    try {
      const results = await session.loadAll(objects);
      return objects.map((o, i) => outcomeOf(log, o, results[i]!));
    } catch (err) {
      const reason = objectFault(err);
      if (reason === undefined) throw err;
      log.warn('an object of the batch was refused; loading one object per transaction', {
        objects: objects.length,
        key: err instanceof CorruptObjectError ? err.key : undefined,
        reason,
      });
    }
  }
  const outcomes: ObjectOutcome[] = [];
  for (const o of objects) {
    try {
      const [result] = await session.loadAll([o]);
      outcomes.push(outcomeOf(log, o, result!));
    } catch (err) {
      if (err instanceof CorruptObjectError) {
        outcomes.push(await confirmCorrupt(session, log, o, err));
        continue;
      }
      const reason = objectFault(err);
      if (reason === undefined) throw err;
      outcomes.push(await fail(session, log, o.key, o.etag, reason));
    }
  }
  return outcomes;
}

/** Decided by reading the object again, not by the error's text (corruptCheck.ts). */
async function confirmCorrupt(
  session: WarehouseSession,
  log: Log,
  o: LakeObject,
  err: CorruptObjectError,
): Promise<ObjectOutcome> {
  const again = await recheckCorrupt(err, {
    table: o.table,
    log,
    download: () => o.downloadAgain(),
    load: async (file) => (await session.loadAll([{ ...o, localFile: () => Promise.resolve(file) }]))[0]!,
  });
  if (again.status === 'corrupt') return fail(session, log, o.key, o.etag, again.reason);
  return outcomeOf(log, o, again.result);
}

function outcomeOf(log: Log, object: ObjectToLoad, result: LoadResult): ObjectOutcome {
  if (result.status === 'already-loaded') {
    log.info('already loaded', { key: object.key });
    return { key: object.key, status: 'already-loaded' };
  }
  log.info('loaded object', { key: object.key, table: object.table, rows: result.rows, etag: object.etag });
  return { key: object.key, status: 'loaded', rows: result.rows };
}

async function fail(
  session: WarehouseSession,
  log: Log,
  key: string,
  etag: string | null,
  reason: string,
): Promise<ObjectOutcome> {
  log.error('object not loaded', { key, reason });
  await session.recordFailure(key, etag, reason);
  return { key, status: 'failed', reason };
}
