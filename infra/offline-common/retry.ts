/**
 * Retry timing shared by the offline event sources: a failed invocation is retried forever (an
 * event is never dropped), with exponential backoff capped so that a long outage (warehouse
 * locked, Lambda API restarting) is polled at a steady, modest rate.
 */
export interface RetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialDelayMs: 500, maxDelayMs: 30_000 };

/** Delay before retry number `attempt` (1 = first retry): initial * 2^(attempt-1), capped. */
export function backoffDelay(attempt: number, policy: RetryPolicy): number {
  const exp = policy.initialDelayMs * 2 ** Math.max(0, attempt - 1);
  return Math.min(policy.maxDelayMs, exp);
}

/** A timer that does not keep the process alive on its own. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
