/**
 * The waiting every stage does, in one place: a sleep that an abort ends, exponential backoff
 * (optionally with jitter), and bounded concurrency: a map that settles every item, and one that
 * stops at the first failure.
 */
import { setTimeout as delay } from 'node:timers/promises';

export interface SleepOptions {
  /** An abort ends the wait early, without an error. */
  signal?: AbortSignal;
  /** Do not keep the process alive for this timer alone (background loops). */
  unref?: boolean;
}

export async function sleep(ms: number, opts: SleepOptions = {}): Promise<void> {
  if (!opts.signal && !opts.unref) return delay(ms);
  await delay(ms, undefined, { signal: opts.signal, ref: !opts.unref }).catch(() => undefined);
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
  /** 0 (none) to 1: the share of each delay drawn at random, so that many retriers spread out. */
  jitter?: number;
}

/** The delay before retry number `attempt` (1 = the first retry): initial * 2^(attempt-1), capped at max. */
export function backoffDelay(attempt: number, b: Backoff, random: () => number = Math.random): number {
  const capped = Math.min(b.maxMs, b.initialMs * 2 ** Math.max(0, attempt - 1));
  const jitter = b.jitter ?? 0;
  return jitter > 0 ? Math.round(capped * (1 - jitter * random())) : capped;
}

/** Runs fn over items with at most `limit` in flight; settles every one before returning, in the items' order. */
export async function settleAllBounded<T, R = void>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await fn(items[i]!) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * fn over items with at most `limit` in flight; resolves with the results in the items' order, or
 * rejects with the first failure (the first in time). After a failure no further item starts, and
 * the call settles only once those in flight have, so nothing is left running behind the caller.
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  let failure: { reason: unknown } | undefined;
  const settled = await settleAllBounded(items, limit, async (item) => {
    if (failure) return undefined as R; // not started: the call rejects anyway
    try {
      return await fn(item);
    } catch (reason) {
      failure ??= { reason };
      throw reason;
    }
  });
  if (failure) throw failure.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<R>).value);
}
