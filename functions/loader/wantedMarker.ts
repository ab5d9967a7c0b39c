/**
 * "Someone else wants the warehouse file": a marker file beside it (`<path>.wanted`) that a
 * process touches when it finds the file locked (lockRetry.ts here, dbt_runner.py in Airflow).
 * The loader keeps the file open between batches only while no fresh marker from someone else
 * exists, so dbt never waits more than one batch. A marker is fresh for `freshMs` after its last
 * touch. Whoever got the file withdraws its own marker: left standing, it made the loader close
 * and reopen the file at every batch for 30 s after a reader was served (~1.4 s per invocation).
 */
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';

export const WANTED_FRESH_MS = 30_000;

export function wantedMarkerPath(warehousePath: string): string {
  return `${warehousePath}.wanted`;
}

const me = () => `${process.pid}:${threadId}`;

/** Best effort: a marker that cannot be written only means the holder keeps its usual timing. */
export function markFileWanted(warehousePath: string): void {
  try {
    writeFileSync(wantedMarkerPath(warehousePath), `${me()}\n`);
  } catch {
    /* directory missing or read-only: nothing to tell */
  }
}

/** True when another process or thread asked for the file within `freshMs`. */
export function fileIsWanted(warehousePath: string, freshMs = WANTED_FRESH_MS, now = Date.now()): boolean {
  const marker = wantedMarkerPath(warehousePath);
  try {
    if (now - statSync(marker).mtimeMs > freshMs) return false;
    return readFileSync(marker, 'utf8').trim() !== me();
  } catch {
    return false;
  }
}

/** The file was got: remove the marker if it is still this thread's own (someone else's stays). */
export function withdrawFileWanted(warehousePath: string): void {
  const marker = wantedMarkerPath(warehousePath);
  try {
    if (readFileSync(marker, 'utf8').trim() === me()) rmSync(marker, { force: true });
  } catch {
    /* no marker */
  }
}
