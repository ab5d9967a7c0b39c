/**
 * One source read on its own cadence. The pause after a read grows with what the read cost
 * (costFactor x its duration), so a source that gets expensive (a big bucket, a busy warehouse)
 * is read less often instead of taking a larger share of the machine from the pipeline.
 */
import type { SourceState } from './types';

export interface Periodic {
  state: SourceState;
  /** Resolves when the loop has stopped. */
  done: Promise<void>;
}

export interface PeriodicOptions {
  name: string;
  /** Shortest pause between two reads. */
  everyMs: number;
  /** The pause is at least this many times the last read's duration... */
  costFactor?: number;
  /** Shortest pause after a failed read (default everyMs): a source that found the file busy may try again soon. */
  retryMs?: number;
  /** ...but no longer than this (a read that timed out once must not silence a source for minutes). */
  maxEveryMs?: number;
  stopped: () => boolean;
  sleep: (ms: number) => Promise<void>;
}

/** read may return what it cost others, in ms (e.g. how long it held a shared file), to space reads by that instead of its duration. */
export function periodic(o: PeriodicOptions, read: () => Promise<number | void>): Periodic {
  const state: SourceState = { name: o.name, everyMs: o.everyMs };
  const done = (async () => {
    while (!o.stopped()) {
      const t0 = Date.now();
      let cost: number | void = undefined;
      try {
        cost = await read();
        state.asOf = Date.now();
        delete state.error;
      } catch (err) {
        state.error = err instanceof Error ? err.message : String(err);
        // An error may say what it cost (a busy file: nothing but our own wait).
        const c = (err as { cost?: unknown }).cost;
        if (typeof c === 'number') cost = c;
      }
      state.tookMs = Date.now() - t0;
      const spent = typeof cost === 'number' ? cost : state.tookMs;
      const least = state.error ? (o.retryMs ?? o.everyMs) : o.everyMs;
      state.everyMs = Math.min(
        Math.max(least, o.maxEveryMs ?? 30_000),
        Math.max(least, Math.round((o.costFactor ?? 10) * spent)),
      );
      await o.sleep(state.everyMs);
    }
  })();
  return { state, done };
}

/** A sleep that returns early once stopped() turns true (checked every 200 ms). */
export function stoppableSleep(stopped: () => boolean): (ms: number) => Promise<void> {
  return async (ms) => {
    const until = Date.now() + ms;
    while (!stopped() && Date.now() < until) await new Promise((r) => setTimeout(r, Math.min(200, until - Date.now())));
  };
}
