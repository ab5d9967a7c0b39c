/**
 * Snowflake adapter. Talks to Snowflake through a tiny SqlConnection (one statement at a time),
 * implemented over snowflake-sdk in snowflakeConnection.ts and by a fake in the unit tests.
 *
 * A batch of objects costs a fixed number of statements, not a number per object: one ledger
 * look-up, the PUTs (internal stage only; several in flight), one information_schema read per
 * table, then in one transaction one COPY per table (FILES = (...), up to 1,000 a statement) and
 * one ledger INSERT. COPY's per-file result decides what is ledgered: only a file COPY loaded.
 */
import { ServiceError, errorMessage } from '../shared/errors';
import type { TableName } from '../shared/tables';
import type { Log, LoadResult, ObjectToLoad, SessionOptions, Warehouse, WarehouseSession } from './port';
import { evolveSchema } from './snowflakeSchema';
import { copyFiles } from './snowflakeCopy';
import { checkManifests, footerManifest } from './snowflakeManifestCheck';
import { readSweepMarks, saveSweepMarks } from './snowflakeSweepMarks';
import { manifestText, type Manifest } from '../shared/manifest';
import { mapBounded } from '../shared/async';
import { CorruptObjectError, ObjectMissingError } from './errors';
import {
  MAX_COPY_FILES,
  ledgerInsert,
  ledgerLookup,
  ledgerRange,
  loadErrorInsert,
  putStatement,
  sessionTimeouts,
  snowflakeDdl,
  validateTarget,
  type SnowflakeTarget,
} from './snowflakeSql';

export type SqlBind = string | number | null;

export interface SqlConnection {
  execute(sql: string, binds?: readonly SqlBind[]): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

/**
 * Snowflake user errors about a file's content (parse errors, values that do not fit a column)
 * have codes 100xxx; anything else (auth, network, compilation, warehouse suspended) is the
 * warehouse refusing, and the event is retried.
 */
export function isSnowflakeContentError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' || typeof code === 'number' ? /^100\d{3}$/.test(String(code)) : false;
}

/** Statement and lock bounds with no deadline (the CLIs): generous, but never Snowflake's 2-day / 12-h defaults. */
export const NO_DEADLINE_STATEMENT_S = 3600;
export const NO_DEADLINE_LOCK_S = 300;
/** Kept free before the deadline for ROLLBACK and the handler's answer. */
export const DEADLINE_MARGIN_MS = 10_000;
/** Downloads (and PUTs, internal stage) in flight at once: each is a transfer of its own. */
export const PUT_CONCURRENCY = 8;

/** The session's STATEMENT_TIMEOUT_IN_SECONDS and LOCK_TIMEOUT for an invocation ending at `deadline`. */
export function timeoutsFor(deadline: number | undefined, now = Date.now()): { statementS: number; lockS: number } {
  if (deadline === undefined) return { statementS: NO_DEADLINE_STATEMENT_S, lockS: NO_DEADLINE_LOCK_S };
  const left = Math.max(1, Math.floor((deadline - now - DEADLINE_MARGIN_MS) / 1000));
  // A lock wait takes at most half of what is left, so the statement after it can still run.
  return { statementS: left, lockS: Math.max(1, Math.floor(left / 2)) };
}

export function snowflakeWarehouse(opts: {
  target: SnowflakeTarget;
  connect: () => Promise<SqlConnection>;
  log: Log;
  now?: () => number;
}): Warehouse {
  const target = validateTarget(opts.target);
  const now = opts.now ?? Date.now;
  // One connection per container, kept across invocations: connecting and the DDL cost a few
  // round trips each; after a failure the session may still finish with it, and the next session
  // reconnects.
  let kept: SqlConnection | undefined;
  let connecting: Promise<SqlConnection> | undefined;
  let timeoutsSetFor: { conn: SqlConnection; deadline: number | undefined } | undefined;
  let suspect = false;
  const connectAndPrepare = async (): Promise<SqlConnection> => {
    let conn: SqlConnection;
    try {
      conn = await opts.connect();
    } catch (err) {
      throw new ServiceError('warehouse', `cannot connect to Snowflake: ${errorMessage(err)}`, { cause: err });
    }
    try {
      for (const stmt of snowflakeDdl(target)) await conn.execute(stmt);
    } catch (err) {
      await conn.close().catch(() => undefined);
      throw new ServiceError('warehouse', `cannot prepare Snowflake RAW schema: ${errorMessage(err)}`, { cause: err });
    }
    return conn;
  };
  const drop = async () => {
    const c = kept;
    kept = undefined;
    await c?.close().catch(() => undefined);
  };
  return {
    name: 'snowflake',
    // One COPY per table per transaction: the statements of a batch do not grow with its objects.
    objectsPerTransaction: MAX_COPY_FILES,
    concurrentStatements: true,
    async open(options: SessionOptions = {}) {
      if (kept && suspect) await drop();
      suspect = false;
      // Concurrent opens (the sweep's look-ups) share one connection attempt.
      connecting ??= (kept ? Promise.resolve(kept) : connectAndPrepare()).finally(() => (connecting = undefined));
      const conn = (kept = await connecting);
      // Once per invocation (a deadline), not per session: the sweep opens one per listing page.
      if (timeoutsSetFor === undefined || timeoutsSetFor.conn !== conn || timeoutsSetFor.deadline !== options.deadline) {
        const { statementS, lockS } = timeoutsFor(options.deadline, now());
        try {
          await conn.execute(sessionTimeouts(statementS, lockS));
        } catch (err) {
          suspect = true;
          throw new ServiceError('warehouse', `cannot set the Snowflake session's timeouts: ${errorMessage(err)}`, {
            cause: err,
          });
        }
        timeoutsSetFor = { conn, deadline: options.deadline };
      }
      const session = snowflakeSession(conn, target, opts.log);
      const onError = async (err: unknown) => {
        if (!(err instanceof CorruptObjectError)) suspect = true;
        throw err;
      };
      return {
        loadedKeys: (keys) => session.loadedKeys(keys).catch(onError),
        loadedKeysBetween: (first, last) => session.loadedKeysBetween!(first, last).catch(onError),
        loadAll: (objects) => session.loadAll(objects).catch(onError),
        recordFailure: (key, etag, reason) => session.recordFailure(key, etag, reason).catch(onError),
        sweepMarks: () => readSweepMarks(conn, target).catch(onError),
        saveSweepMarks: (marks) => saveSweepMarks(conn, target, marks).catch(onError),
        close: async () => undefined,
      };
    },
    release: drop,
  };
}

function snowflakeSession(conn: SqlConnection, target: SnowflakeTarget, log: Log): Omit<WarehouseSession, 'close'> {
  const loadedKeys = async (keys: readonly string[]) => {
    const found = new Set<string>();
    // Chunked: Snowflake caps bind variables per statement.
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000);
      const rows = await conn.execute(ledgerLookup(target, chunk.length), chunk);
      for (const r of rows) found.add(String(r.OBJECT_KEY ?? r.object_key));
    }
    return found;
  };
  return {
    loadedKeys,

    async loadedKeysBetween(first, last) {
      const rows = await conn.execute(ledgerRange(target), [first, last]);
      return new Set(rows.map((r) => String(r.OBJECT_KEY ?? r.object_key)));
    },

    async loadAll(objects): Promise<LoadResult[]> {
      // Objects already in the ledger are neither staged nor read (the transaction checks again).
      const already = await loadedKeys(objects.map((o) => o.key));
      const todo = objects.filter((o) => !already.has(o.key));
      if (todo.length === 0) return objects.map(() => ({ status: 'already-loaded' }));
      // Every object is read here (its Parquet footer decides RAW's columns), so fetch them side by side.
      const manifests = new Map<string, Manifest | null>();
      await mapBounded(todo, PUT_CONCURRENCY, async (object) => {
        const local = await download(object);
        manifests.set(object.key, await footerManifest(object, local));
        if (!target.stage) await put(conn, target, object, local);
      });
      await evolveSchema(conn, target, todo, log);
      await conn.execute('BEGIN');
      let current: readonly ObjectToLoad[] = todo;
      try {
        // Again inside the transaction: another loader may have committed these meanwhile.
        const seen = await loadedKeys(todo.map((o) => o.key));
        const rows = new Map<string, number>();
        for (const [, group] of byTable(todo.filter((o) => !seen.has(o.key)))) {
          for (let i = 0; i < group.length; i += MAX_COPY_FILES) {
            current = group.slice(i, i + MAX_COPY_FILES);
            const copied = await copyFiles(conn, target, current, log);
            for (const [key, n] of copied) rows.set(key, n);
            await checkManifests(conn, target, current, copied, manifests, log);
          }
        }
        const ledgered = todo.filter((o) => rows.has(o.key));
        if (ledgered.length > 0) {
          await conn.execute(
            ledgerInsert(target, ledgered.length),
            ledgered.flatMap((o) => {
              const m = manifests.get(o.key);
              return [o.key, o.table, o.etag, rows.get(o.key)!, m ? manifestText(m) : null];
            }),
          );
        }
        await conn.execute('COMMIT');
        return objects.map((o) => {
          const n = rows.get(o.key);
          return n === undefined ? { status: 'already-loaded' } : { status: 'loaded', rows: n };
        });
      } catch (err) {
        await conn.execute('ROLLBACK').catch(() => undefined);
        if (err instanceof CorruptObjectError) throw err;
        const key = current.length === 1 ? current[0]!.key : `one of ${current.length} objects from ${current[0]?.key}`;
        if (isSnowflakeContentError(err))
          throw new CorruptObjectError(current[0]?.key ?? '(none)', errorMessage(err), { cause: err });
        throw new ServiceError('warehouse', `loading ${key} into Snowflake failed: ${errorMessage(err)}`, { cause: err });
      }
    },

    async recordFailure(key, etag, reason) {
      await conn.execute(loadErrorInsert(target), [key, etag, reason]);
    },
  };
}

function download(object: ObjectToLoad): Promise<string> {
  return object.localFile().catch((err: unknown) => {
    if (err instanceof ObjectMissingError) throw err;
    throw new ServiceError('s3', `cannot download ${object.key}: ${errorMessage(err)}`, { cause: err });
  });
}

async function put(conn: SqlConnection, target: SnowflakeTarget, object: ObjectToLoad, local: string): Promise<void> {
  try {
    await conn.execute(putStatement(target, object.table, object.key, local));
  } catch (err) {
    throw new ServiceError('warehouse', `PUT of ${object.key} to the table stage failed: ${errorMessage(err)}`, { cause: err });
  }
}

function byTable(objects: readonly ObjectToLoad[]): Map<TableName, ObjectToLoad[]> {
  const out = new Map<TableName, ObjectToLoad[]>();
  for (const o of objects) {
    const list = out.get(o.table) ?? [];
    list.push(o);
    out.set(o.table, list);
  }
  return out;
}
