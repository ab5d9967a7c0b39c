/**
 * DuckDB's file lock is a POSIX lock, which only excludes other *processes*. serverless-offline
 * runs concurrent invocations as worker threads of one process, and two DuckDB instances on one
 * file in one process corrupt its WAL ("WAL cannot contain more than one checkpoint marker", seen
 * here). So writers also take this mutex: a lock file created with O_EXCL, which excludes threads
 * and processes alike. The holder touches the file every few seconds; a holder that died (a
 * process, or a worker thread serverless-offline terminated at the function's timeout) stops
 * touching it, so the file is taken over when its pid is gone or it is older than `staleMs`.
 *
 * Takeover and release are check-then-remove, so both run under a guard (`<file>.guard`, also
 * O_EXCL, held for microseconds): the staleness is re-checked under it, so a waiter that judged
 * the old lock stale can never remove the new holder's lock, and a release removes the file only
 * if it still carries the releaser's own token.
 */
import { openSync, closeSync, writeSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { threadId } from 'node:worker_threads';
import type { Log } from './port';

const HEARTBEAT_MS = 5_000;
/** A waiter looks at least this often, so that it is there when a holder lets go (see duckdbWarehouse.ts). */
export const MAX_WAIT_STEP_MS = 200;
/** A guard older than this was left by a holder that died inside its few-microsecond section. */
const GUARD_STALE_MS = 2_000;

export interface MutexOptions {
  timeoutMs: number;
  staleMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Called each time the lock is found held: a waiter says so (wantedMarker.ts) so the holder lets go. */
  onWait?: () => void;
}

function readLock(file: string): { age: number; content: string } | undefined {
  try {
    return { age: Date.now() - statSync(file).mtimeMs, content: readFileSync(file, 'utf8') };
  } catch {
    return undefined; // released (or being replaced) meanwhile
  }
}

function holderAlive(lock: { age: number; content: string }, staleMs: number): boolean {
  if (lock.age > staleMs) return false;
  const pid = Number(lock.content.split(':')[0]);
  // Created but not written yet by its holder (openSync then writeSync): alive unless it stays so.
  if (!Number.isInteger(pid) || pid <= 0) return lock.age < 5_000;
  // A thread of this very process: only the age can tell.
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Run `fn` holding `<file>.guard`; synchronous, since the section is a stat, a read and a remove. */
function underGuard<T>(file: string, fn: () => T): T {
  const guard = `${file}.guard`;
  for (;;) {
    try {
      closeSync(openSync(guard, 'wx'));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const g = readLock(guard);
      if (g && g.age > GUARD_STALE_MS) rmSync(guard, { force: true });
      else Atomics.wait(pause, 0, 0, 1);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(guard, { force: true });
  }
}

/** Acquire the mutex at `file`; resolves to a release function. */
export async function acquireWriterMutex(file: string, log: Log, opts: MutexOptions): Promise<() => void> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const staleMs = opts.staleMs ?? 30_000;
  const started = Date.now();
  let delay = 25;
  for (let attempt = 1; ; attempt++) {
    const token = `${process.pid}:${threadId}:${new Date().toISOString()}:${randomBytes(6).toString('hex')}`;
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, token);
      closeSync(fd);
      const heartbeat = setInterval(() => {
        try {
          const now = new Date();
          utimesSync(file, now, now);
        } catch {
          /* released meanwhile */
        }
      }, HEARTBEAT_MS);
      heartbeat.unref();
      return () => {
        clearInterval(heartbeat);
        underGuard(file, () => {
          // Only our own lock: after a takeover the file is someone else's.
          if (readLock(file)?.content === token) rmSync(file, { force: true });
          else log.warn('warehouse writer lock was taken over before release; left to its new holder', { file });
        });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const state = underGuard(file, () => {
      const lock = readLock(file);
      if (!lock) return 'released'; // meanwhile: try again at once
      if (holderAlive(lock, staleMs)) return 'held';
      rmSync(file, { force: true });
      return 'stale';
    });
    if (state === 'stale') log.warn('took over a stale warehouse writer lock', { file });
    if (state !== 'held') continue;
    opts.onWait?.();
    if (Date.now() - started + delay > opts.timeoutMs) {
      throw new Error(
        `warehouse writer lock ${file} still held after ${Math.round((Date.now() - started) / 1000)} s (${attempt} attempts)`,
      );
    }
    if (attempt === 1 || attempt % 20 === 0) log.info('waiting for another warehouse writer in this machine', { file, attempt });
    await sleep(delay);
    delay = Math.min(delay * 2, MAX_WAIT_STEP_MS);
  }
}
