/**
 * The loader: take lake objects (from an S3 event or a backfill listing) and load each into
 * the warehouse RAW layer exactly once.
 *
 * - Not a loadable key (not .parquet, or under the dead-letter prefix): ignored.
 * - Already in the ledger: nothing is downloaded or inserted.
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
import { isLoadableKey, parseLakeKey, type LakeObjectKey } from './objectKeys';
import { ObjectMissingError, type ObjectStore } from './objectStore';
import { recheckCorrupt } from './corruptCheck';
import { CorruptObjectError, type Log, type ObjectToLoad, type Warehouse, type WarehouseSession } from './port';

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
  | { key: string; status: 'failed'; reason: string };

export interface LoadReport {
  outcomes: ObjectOutcome[];
  loaded: number;
  rows: number;
  alreadyLoaded: number;
  ignored: number;
  failed: number;
}

export interface LoaderDeps {
  warehouse: Warehouse;
  store: ObjectStore;
  log: Log;
  dlqPrefix?: string;
}

export function summarize(outcomes: ObjectOutcome[]): LoadReport {
  const report: LoadReport = { outcomes, loaded: 0, rows: 0, alreadyLoaded: 0, ignored: 0, failed: 0 };
  for (const o of outcomes) {
    if (o.status === 'loaded') {
      report.loaded++;
      report.rows += o.rows;
    } else if (o.status === 'already-loaded') report.alreadyLoaded++;
    else if (o.status === 'ignored') report.ignored++;
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
  const session = await deps.warehouse.open();
  try {
    const already = await session.loadedKeys(candidates.map((c) => c.key));
    for (const c of candidates) {
      if (c.parsed instanceof Error) {
        outcomes.push(await fail(session, log, c.key, null, c.parsed.message));
      } else if (already.has(c.key)) {
        log.info('already loaded', { key: c.key });
        outcomes.push({ key: c.key, status: 'already-loaded' });
      } else {
        outcomes.push(await loadOne(session, deps, c, c.parsed, workDir));
      }
    }
  } finally {
    await session.close();
    await rm(workDir, { recursive: true, force: true });
  }
  return summarize(outcomes);
}

async function loadOne(
  session: WarehouseSession,
  deps: LoaderDeps,
  req: LoadRequest,
  parsed: LakeObjectKey,
  workDir: string,
): Promise<ObjectOutcome> {
  const { log } = deps;
  // Keep the object's own file name: Snowflake's PUT names the staged file after it.
  const objectDir = await mkdtemp(join(workDir, 'o-'));
  const localPath = join(objectDir, basename(req.key));
  let downloaded: Promise<string> | undefined;
  const object: ObjectToLoad = {
    key: req.key,
    table: parsed.table,
    etag: req.etag ?? null,
    localFile: () =>
      (downloaded ??= deps.store.download(req.bucket, req.key, localPath).then((r) => {
        object.etag = r.etag ?? object.etag;
        return localPath;
      })),
  };
  try {
    const result = await session.load(object);
    if (result.status === 'already-loaded') {
      log.info('already loaded', { key: req.key });
      return { key: req.key, status: 'already-loaded' };
    }
    log.info('loaded object', { key: req.key, table: parsed.table, rows: result.rows, etag: object.etag });
    return { key: req.key, status: 'loaded', rows: result.rows };
  } catch (err) {
    if (err instanceof CorruptObjectError) {
      // Decided by reading the object again, not by the error's text (corruptCheck.ts).
      const again = await recheckCorrupt(err, {
        table: parsed.table,
        log,
        download: async () => {
          const dir = join(objectDir, 'again');
          await mkdir(dir);
          const path = join(dir, basename(req.key));
          object.etag = (await deps.store.download(req.bucket, req.key, path)).etag ?? object.etag;
          return path;
        },
        load: (file) => session.load({ ...object, localFile: () => Promise.resolve(file) }),
      });
      if (again.status === 'corrupt') return fail(session, log, req.key, object.etag, again.reason);
      if (again.result.status === 'already-loaded') return { key: req.key, status: 'already-loaded' };
      log.info('loaded object', { key: req.key, table: parsed.table, rows: again.result.rows, etag: object.etag });
      return { key: req.key, status: 'loaded', rows: again.result.rows };
    }
    if (err instanceof ObjectMissingError) return fail(session, log, req.key, object.etag, err.message);
    throw err;
  } finally {
    await rm(objectDir, { recursive: true, force: true });
  }
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
