/**
 * DuckDB adapter: the local warehouse, one file (WAREHOUSE_PATH). A session opens the file
 * (waiting out other writers) and applies the idempotent RAW DDL. Opening costs 50-85 ms (and
 * closing checkpoints the WAL), so the file is kept open between batches for `keepOpenMs`: back-
 * to-back invocations in one warm container reuse it. It is released, so dbt and other loaders
 * get their turn, when the loader goes idle, after `maxHoldMs` of holding it, or as soon as
 * another process has asked for it (see wantedMarker.ts).
 */
import { sleep } from '../shared/async';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ServiceError, errorMessage } from '../shared/errors';
import { rawDdlStatements } from './ddl';
import { duckdbStatements, type DuckdbStatements } from './duckdbSession';
import { duckdbSweepMarks, saveDuckdbSweepMarks } from './duckdbSweepMarks';
import { withLockRetry, type LockRetryOptions } from './lockRetry';
import { acquireWriterMutex } from './writerMutex';
import { fileIsWanted, markFileWanted, withdrawFileWanted } from './wantedMarker';
import type { Log, Warehouse, WarehouseSession } from './port';

export { sqlString } from './duckdbSession';

export interface DuckdbWarehouseOptions {
  path: string;
  log: Log;
  lock: LockRetryOptions;
  /** Keep the file open this long after a batch for the next one; 0 closes it after each batch. */
  keepOpenMs?: number;
  /** Release the file at the end of a batch once it has been held this long. */
  maxHoldMs?: number;
}

interface Held {
  instance: DuckDBInstance;
  conn: DuckDBConnection;
  statements: DuckdbStatements;
  release: () => void;
  openedAt: number;
  idle?: NodeJS.Timeout;
  watch?: NodeJS.Timeout;
}

/** While idle, how often the loader looks whether someone asked for the file. */
const WANTED_CHECK_MS = 200;
/**
 * How long a loader lets someone who asked for the file go first (beyond lockRetry's longest
 * pause between tries, 2 s, so a waiting reader gets its turn), and how often it looks.
 */
const HAND_OVER_MAX_MS = 2_500;
const HAND_OVER_POLL_MS = 50;

export function duckdbWarehouse(opts: DuckdbWarehouseOptions): Warehouse & { sessionsOpened(): number } {
  const keepOpenMs = opts.keepOpenMs ?? 0;
  const maxHoldMs = opts.maxHoldMs ?? 10_000;
  let held: Held | undefined;
  let inUse = false;
  let opened = 0;

  async function openFile(): Promise<Held> {
    mkdirSync(dirname(opts.path), { recursive: true });
    // Someone asked for the file and has not had it yet (a waiter withdraws its marker once it has
    // it): let them go first, for a while at most. Neither the mutex nor DuckDB's lock is fair: a
    // sweep reopening at once kept fresh loads waiting 50-60 s, and readers polling every 2 s never
    // got in between a busy loader's batches (measured).
    for (const until = Date.now() + HAND_OVER_MAX_MS; fileIsWanted(opts.path) && Date.now() < until;) {
      await sleep(HAND_OVER_POLL_MS);
    }
    // Threads of one process first take turns among themselves (see writerMutex.ts), then the
    // process waits for DuckDB's own lock, held by other processes (dbt, readers).
    const release = await acquireWriterMutex(`${opts.path}.writer-lock`, opts.log, {
      timeoutMs: opts.lock.timeoutMs,
      onWait: () => markFileWanted(opts.path),
    }).catch((err: unknown) => {
      throw new ServiceError('warehouse', errorMessage(err), { cause: err });
    });
    withdrawFileWanted(opts.path);
    const instance = await withLockRetry(opts.path, () => DuckDBInstance.create(opts.path), opts.log, opts.lock).catch(
      (err: unknown) => {
        release();
        if (err instanceof ServiceError) throw err;
        throw new ServiceError('warehouse', `cannot open DuckDB file ${opts.path}: ${errorMessage(err)}`, { cause: err });
      },
    );
    let conn: DuckDBConnection | undefined;
    try {
      conn = await instance.connect();
      for (const stmt of rawDdlStatements('duckdb')) await conn.run(stmt);
    } catch (err) {
      conn?.closeSync();
      instance.closeSync();
      release();
      throw new ServiceError('warehouse', `cannot prepare DuckDB file ${opts.path}: ${errorMessage(err)}`, { cause: err });
    }
    opened++;
    return { instance, conn, statements: duckdbStatements(conn, opts.log), release, openedAt: Date.now() };
  }

  function closeHeld(): void {
    const h = held;
    held = undefined;
    if (!h) return;
    clearTimeout(h.idle);
    clearInterval(h.watch);
    const t0 = Date.now();
    try {
      h.conn.closeSync();
      h.instance.closeSync(); // checkpoints the WAL into the file
      const ms = Date.now() - t0;
      if (ms > 500) opts.log.info('warehouse file closed slowly (checkpoint)', { ms });
    } finally {
      h.release();
    }
    opts.log.debug('warehouse file released');
  }

  return {
    name: 'duckdb',
    sessionsOpened: () => opened,

    async open(): Promise<WarehouseSession> {
      // One batch at a time per warehouse object (one invocation per container, as on Lambda).
      if (inUse) throw new Error('duckdbWarehouse: a session is already open in this container');
      inUse = true;
      try {
        clearTimeout(held?.idle);
        clearInterval(held?.watch);
        held ??= await openFile();
      } catch (err) {
        inUse = false;
        throw err;
      }
      const h = held;
      let failed = false;
      const guard =
        <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
        async (...a: A): Promise<R> => {
          try {
            return await fn(...a);
          } catch (err) {
            // Only a refused object leaves the connection as it was; after anything else, reopen.
            if (!(err instanceof Error && err.name === 'CorruptObjectError')) failed = true;
            throw err;
          }
        };
      return {
        loadedKeys: guard(h.statements.loadedKeys),
        loadAll: guard(h.statements.loadAll),
        recordFailure: guard(h.statements.recordFailure),
        wanted: () => fileIsWanted(opts.path),
        sweepMarks: guard(() => duckdbSweepMarks(h.conn)),
        saveSweepMarks: guard((marks) => saveDuckdbSweepMarks(h.conn, marks)),
        async close() {
          inUse = false;
          const heldFor = Date.now() - h.openedAt;
          if (failed || keepOpenMs <= 0 || heldFor >= maxHoldMs || fileIsWanted(opts.path)) {
            closeHeld();
            return;
          }
          h.idle = setTimeout(closeHeld, Math.min(keepOpenMs, maxHoldMs - heldFor)).unref();
          h.watch = setInterval(() => fileIsWanted(opts.path) && closeHeld(), WANTED_CHECK_MS).unref();
        },
      };
    },

    async release() {
      if (!inUse) closeHeld();
    },
  };
}
