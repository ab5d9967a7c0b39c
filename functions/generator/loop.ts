/**
 * The iteration loop shared by the CLI, the scheduled handler and the benchmark: runs iterations
 * every `intervalMs` until the count is reached, the signal aborts (Ctrl-C: after the current
 * iteration) or the deadline nears (Lambda). A failed iteration has rolled back whole and the loop
 * goes on; a lost connection is re-opened with exponential backoff.
 */
import { randomInt } from 'node:crypto';
import type { Client } from 'pg';
import { backoffDelay, sleep } from '../shared/async';
import { ConfigError, errorMessage } from '../shared/errors';
import { getLogger } from '../shared/logger';
import { emptyCounts, type IterationCounts } from './apply';
import { checkSchema, isConnectionLost } from './database';
import { runIteration, type IterationResult } from './iteration';
import type { GeneratorOptions } from './options';

/** The part of the Powertools logger the loop uses (tests pass a recorder). */
export interface LoopLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface GeneratorRun {
  options: GeneratorOptions;
  /** Opens a connection; start-up errors (wrong settings) propagate and end the run. */
  connect: () => Promise<Client>;
  logger?: LoopLogger;
  /** Abort to stop after the current iteration. */
  signal?: AbortSignal;
  /** Milliseconds left before a hard deadline (Lambda's getRemainingTimeInMillis). */
  remainingMs?: () => number;
  /** Time kept free before the deadline, beyond the longest iteration seen. */
  safetyMarginMs?: number;
  backoff?: { initialMs: number; maxMs: number };
  /** Called after each committed iteration (outside the iteration's error handling). */
  onIteration?: (index: number, result: IterationResult) => void | Promise<void>;
}

export type StopReason = 'iterations' | 'signal' | 'deadline';

export interface RunSummary {
  seed: number;
  succeeded: number;
  failed: number;
  reconnects: number;
  totals: IterationCounts;
  stoppedBy: StopReason;
  durationMs: number;
}

export async function runGenerator(run: GeneratorRun): Promise<RunSummary> {
  const { options, signal } = run;
  const logger: LoopLogger = run.logger ?? powertoolsLogger();
  const safetyMarginMs = run.safetyMarginMs ?? 5000;
  const backoff = run.backoff ?? { initialMs: 250, maxMs: 10_000 };
  // No seed given: pick one and log it, so any run can be replayed with --seed.
  const seed = options.seed ?? randomInt(0, 2 ** 31 - 1);
  const started = performance.now();
  const totals = emptyCounts();
  let succeeded = 0;
  let failed = 0;
  let reconnects = 0;
  let longestMs = 0;
  let stoppedBy: StopReason = 'iterations';
  const hasTimeFor = (ms: number): boolean => !run.remainingMs || run.remainingMs() > ms + longestMs + safetyMarginMs;

  let client: Client | undefined;
  const adopt = (c: Client): Client => {
    // An idle connection that dies emits 'error'; without a listener that would crash the process.
    c.on('error', (err) => {
      logger.warn('database connection lost', { error: errorMessage(err) });
      if (client === c) client = undefined;
      c.end().catch(() => undefined);
    });
    return c;
  };
  const drop = async (): Promise<void> => {
    const c = client;
    client = undefined;
    await c?.end().catch(() => undefined);
  };

  const reconnect = async (): Promise<Client | undefined> => {
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) return undefined;
      try {
        const c = adopt(await run.connect());
        reconnects++;
        logger.info('database reconnected', { attempt });
        return c;
      } catch (err) {
        if (err instanceof ConfigError) throw err; // settings went bad: retrying will not help
        const delayMs = backoffDelay(attempt, backoff);
        logger.warn('database unreachable, retrying', { attempt, delayMs, error: errorMessage(err) });
        if (!hasTimeFor(delayMs)) return undefined;
        await sleep(delayMs, { signal });
      }
    }
  };

  client = adopt(await run.connect());
  try {
    await checkSchema(client);
    logger.info('generator started', {
      seed,
      iterations: options.iterations ?? 'until stopped',
      intervalMs: options.intervalMs,
      scale: options.scale,
    });

    for (let index = 0; ; index++) {
      if (options.iterations !== undefined && index >= options.iterations) break;
      if (signal?.aborted) {
        stoppedBy = 'signal';
        break;
      }
      if (!hasTimeFor(0)) {
        stoppedBy = 'deadline';
        break;
      }
      const t0 = performance.now();
      let committed: IterationResult | undefined;
      try {
        client ??= await reconnect();
        if (!client) {
          stoppedBy = signal?.aborted ? 'signal' : 'deadline';
          break;
        }
        logger.info('iteration start', { iteration: index, seed });
        const result = await runIteration(client, options, seed, index);
        const durationMs = Math.round(performance.now() - t0);
        logger.info('iteration finish', { iteration: index, durationMs, ...result.counts });
        succeeded++;
        addCounts(totals, result.counts);
        committed = result;
      } catch (err) {
        if (err instanceof ConfigError) throw err;
        failed++;
        const lost = isConnectionLost(err);
        logger.error(lost ? 'iteration failed: connection lost, rolled back; reconnecting' : 'iteration failed, rolled back', {
          iteration: index,
          error: errorMessage(err),
        });
        if (lost) await drop();
      }
      if (committed) await run.onIteration?.(index, committed);
      const elapsed = performance.now() - t0;
      longestMs = Math.max(longestMs, elapsed);

      const last = options.iterations !== undefined && index + 1 >= options.iterations;
      if (!last) {
        const waitMs = Math.max(0, options.intervalMs - elapsed);
        if (!hasTimeFor(waitMs)) {
          stoppedBy = 'deadline';
          break;
        }
        if (waitMs > 0) await sleep(waitMs, { signal });
      }
    }
  } finally {
    await drop();
  }

  const summary: RunSummary = {
    seed,
    succeeded,
    failed,
    reconnects,
    totals,
    stoppedBy,
    durationMs: Math.round(performance.now() - started),
  };
  logger.info('generator stopped', { ...summary });
  return summary;
}

export function addCounts(into: IterationCounts, add: IterationCounts): void {
  into.inserted.customers += add.inserted.customers;
  into.inserted.accounts += add.inserted.accounts;
  into.inserted.transactions += add.inserted.transactions;
  into.updated.customers += add.updated.customers;
  into.updated.accounts += add.updated.accounts;
  into.deleted.customers += add.deleted.customers;
  into.failedTransactions += add.failedTransactions;
  into.closedAccounts += add.closedAccounts;
}

/** Adapts Powertools' overloaded signature (message, ...attributes) to LoopLogger. */
function powertoolsLogger(): LoopLogger {
  const log = getLogger('generator');
  return {
    info: (message, extra) => (extra ? log.info(message, extra) : log.info(message)),
    warn: (message, extra) => (extra ? log.warn(message, extra) : log.warn(message)),
    error: (message, extra) => (extra ? log.error(message, extra) : log.error(message)),
  };
}
