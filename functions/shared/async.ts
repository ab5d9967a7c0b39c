/**
 * The waiting every stage does, in one place: a sleep that an abort ends, exponential backoff
 * (optionally with jitter), and a bounded-concurrency map that settles every item.
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
export async function settleAllBounded<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<PromiseSettledResult<void>[]> {
  const results = new Array<PromiseSettledResult<void>>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        await fn(items[i]!);
        results[i] = { status: 'fulfilled', value: undefined };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
