/**
 * DuckDB's file lock is a POSIX lock, which only excludes other *processes*. serverless-offline
 * runs concurrent invocations as worker threads of one process, and two DuckDB instances on one
 * file in one process corrupt its WAL ("WAL cannot contain more than one checkpoint marker", seen
 * here). So writers also take this mutex: a lock file created with O_EXCL, which excludes threads
 * and processes alike. The holder touches the file every few seconds; a holder that died (a
 * process, or a worker thread serverless-offline terminated at the function's timeout) stops
 * touching it, so the file is taken over when its pid is gone or it is older than `staleMs`.
 */
import { openSync, closeSync, writeSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import type { Log } from './port';

const HEARTBEAT_MS = 5_000;

export interface MutexOptions {
  timeoutMs: number;
  staleMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

function holderAlive(file: string, staleMs: number): boolean {
  let age: number;
  let content: string;
  try {
    age = Date.now() - statSync(file).mtimeMs;
    content = readFileSync(file, 'utf8');
  } catch {
    return true; // released (or being replaced) meanwhile: just try again
  }
  if (age > staleMs) return false;
  const pid = Number(content.split(':')[0]);
  // Created but not written yet by its holder (openSync then writeSync): alive unless it stays so.
  if (!Number.isInteger(pid) || pid <= 0) return age < 5_000;
  // A thread of this very process: only the age can tell.
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Acquire the mutex at `file`; resolves to a release function. */
export async function acquireWriterMutex(file: string, log: Log, opts: MutexOptions): Promise<() => void> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const staleMs = opts.staleMs ?? 30_000;
  const started = Date.now();
  let delay = 25;
  for (let attempt = 1; ; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${process.pid}:${threadId}:${new Date().toISOString()}`);
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
        rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (!holderAlive(file, staleMs)) {
      log.warn('taking over a stale warehouse writer lock', { file });
      rmSync(file, { force: true });
      continue;
    }
    if (Date.now() - started + delay > opts.timeoutMs) {
      throw new Error(
        `warehouse writer lock ${file} still held after ${Math.round((Date.now() - started) / 1000)} s (${attempt} attempts)`,
      );
    }
    if (attempt === 1 || attempt % 20 === 0) log.info('waiting for another warehouse writer in this machine', { file, attempt });
    await sleep(delay);
    delay = Math.min(delay * 2, 500);
  }
}
