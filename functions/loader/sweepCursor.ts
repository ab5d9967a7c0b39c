/**
 * The sweep's cursor: what earlier runs left (each prefix's watermark, the prefixes not finished),
 * merged from the warehouse's marks and the container's own copy, and what this run leaves.
 */
import { errorMessage } from '../shared/errors';
import type { LoaderDeps } from './loader';
import type { SweepMark } from './port';

/** What earlier runs left: the prefixes they did not finish, and each prefix's watermark. */
export interface SweepCursor {
  pending?: string[];
  /** Per prefix, epoch ms: every object stored before it was in the ledger (or loaded) at an earlier run. */
  verifiedBefore?: Record<string, number>;
}

/**
 * How far before a listing began its watermark is put: an object whose upload began before the
 * listing but ended after it is stamped with the upload's start (S3's LastModified) yet was not
 * listed. The writer's upload ends within its Lambda timeout (15 min at most); the rest is skew.
 */
export const WATERMARK_MARGIN_MS = 20 * 60_000;

/** The marks kept in the warehouse; undefined where it keeps none (or they cannot be read: logged). */
export async function readMarks(deps: LoaderDeps): Promise<SweepMark[] | undefined> {
  try {
    const session = await deps.warehouse.open({ deadline: deps.deadline });
    try {
      return session.sweepMarks && session.saveSweepMarks ? await session.sweepMarks() : undefined;
    } finally {
      await session.close();
    }
  } catch (err) {
    deps.log.warn("the sweep could not read its marks from the warehouse; it uses the container's", {
      reason: errorMessage(err),
    });
    return undefined;
  }
}

/**
 * Where this run starts: the prefixes an earlier run did not finish (still in the window) first,
 * then the rest; and each prefix's watermark.
 */
export function resume(
  cursor: SweepCursor,
  stored: readonly SweepMark[] | undefined,
  window: readonly string[],
): { marks: Record<string, number>; queue: string[] } {
  const marks = { ...(cursor.verifiedBefore ?? {}) };
  // Any mark either copy holds is sound (the ledger is never pruned): the later one wins.
  for (const m of stored ?? [])
    if (m.verifiedBefore !== null) marks[m.prefix] = Math.max(marks[m.prefix] ?? -Infinity, m.verifiedBefore);
  const storedPending = (stored ?? [])
    .filter((m) => m.pending !== null)
    .sort((a, b) => a.pending! - b.pending!)
    .map((m) => m.prefix);
  const pending = [...storedPending, ...(cursor.pending ?? []).filter((p) => !storedPending.includes(p))];
  const resumed = pending.filter((p) => window.includes(p));
  return { marks, queue: [...resumed, ...window.filter((p) => !resumed.includes(p))] };
}

/** Updates the cursor in place for the next run; returns the marks of its pending prefixes, to save. */
export function leaveCursor(
  cursor: SweepCursor,
  marks: Readonly<Record<string, number>>,
  window: readonly string[],
  unfinished: ReadonlySet<string>,
  failed: ReadonlyArray<{ prefix: string }>,
): SweepMark[] {
  // A failed prefix goes to the back of the next run; one the deadline stopped, to the front.
  const stoppedPrefixes = [...unfinished].filter((p) => !failed.some((f) => f.prefix === p));
  cursor.pending = [...stoppedPrefixes, ...failed.map((f) => f.prefix)];
  cursor.verifiedBefore = Object.fromEntries(Object.entries(marks).filter(([p]) => window.includes(p)));
  return cursor.pending.map((prefix, i) => ({ prefix, verifiedBefore: marks[prefix] ?? null, pending: i }));
}
