/**
 * DuckDB lets one process at a time open a database file for writing; a second one fails at
 * open with "Could not set lock on file ... Conflicting lock is held in <program> (PID n)".
 * Loaders and dbt take turns, so a busy file is waited for (exponential backoff, logged),
 * not treated as a failure, until a deadline. A waiter marks the file wanted (wantedMarker.ts).
 */
import { sleep as wait } from '../shared/async';
import { errorMessage } from '../shared/errors';
import { WarehouseBusyError } from './errors';
import type { Log } from './port';
import { markFileWanted, withdrawFileWanted } from './wantedMarker';

export interface LockRetryOptions {
  /** Give up after this long (ms) of the file being busy. */
  timeoutMs: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export function isLockError(err: unknown): boolean {
  return /could not set lock on file/i.test(errorMessage(err));
}

/** Who holds the lock, when DuckDB says: e.g. "/usr/bin/node (PID 12957)". */
export function lockHolder(err: unknown): string | undefined {
  const m = /Conflicting lock is held in (.+?\(PID \d+\))/i.exec(errorMessage(err));
  return m?.[1];
}

export async function withLockRetry<T>(path: string, open: () => Promise<T>, log: Log, opts: LockRetryOptions): Promise<T> {
  const sleep = opts.sleep ?? wait;
  const now = opts.now ?? Date.now;
  const maxDelay = opts.maxDelayMs ?? 2_000;
  let delay = opts.initialDelayMs ?? 50;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      const opened = await open();
      if (attempt > 1) withdrawFileWanted(path);
      return opened;
    } catch (err) {
      if (!isLockError(err)) throw err;
      // Ask the holder (a loader keeping the file open between batches) to let go.
      markFileWanted(path);
      const holder = lockHolder(err) ?? 'another process';
      const waited = now() - started;
      if (waited + delay > opts.timeoutMs) {
        throw new WarehouseBusyError(
          'warehouse',
          `DuckDB file ${path} is still locked by ${holder} after ${Math.round(waited / 1000)} s and ${attempt} attempts; ` +
            'another loader or dbt holds it: retry later or raise WAREHOUSE_LOCK_TIMEOUT_MS',
          { cause: err },
        );
      }
      log.warn('warehouse file busy, retrying', { path, heldBy: holder, attempt, retryInMs: delay, waitedMs: waited });
      await sleep(delay);
      delay = Math.min(delay * 2, maxDelay);
    }
  }
}
