/**
 * Retry timing shared by the offline event sources: a failed invocation is retried forever (an
 * event is never dropped), with exponential backoff capped so that a long outage (warehouse
 * locked, Lambda API restarting) is polled at a steady, modest rate.
 */
import { backoffDelay as sharedBackoff, sleep as sharedSleep } from '../../../functions/shared/async';

export interface RetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialDelayMs: 500, maxDelayMs: 30_000 };

/** Delay before retry number `attempt` (1 = first retry): initial * 2^(attempt-1), capped. */
export function backoffDelay(attempt: number, policy: RetryPolicy): number {
  return sharedBackoff(attempt, { initialMs: policy.initialDelayMs, maxMs: policy.maxDelayMs });
}

/** A timer that does not keep the process alive on its own. */
export const sleep = (ms: number) => sharedSleep(ms, { unref: true });
