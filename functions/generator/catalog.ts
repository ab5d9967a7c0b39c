/**
 * What the simulated bank offers and how large its amounts tend to be. Amounts follow
 * log-normal distributions (most payments small, a long tail of large ones), sampled as
 * whole cents: the float only shapes the distribution, the amount itself is an integer.
 */
import type { Random } from './random';

export const ACCOUNT_TYPES = [
  ['CHECKING', 0.55],
  ['SAVINGS', 0.35],
  ['BUSINESS', 0.1],
] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number][0];

/** Other currencies a minority of accounts hold; the main one comes from the options. */
export const SECONDARY_CURRENCIES = ['EUR', 'GBP', 'CAD'] as const;
export const MAIN_CURRENCY_SHARE = 0.85;

export const TXN_TYPES = ['DEPOSIT', 'WITHDRAWAL', 'TRANSFER'] as const;
export type TxnType = (typeof TXN_TYPES)[number];
export const TXN_TYPE_WEIGHTS: readonly (readonly [TxnType, number])[] = [
  ['DEPOSIT', 0.4],
  ['WITHDRAWAL', 0.35],
  ['TRANSFER', 0.25],
];

export interface AmountDistribution {
  /** Median in cents. */
  readonly medianCents: number;
  /** Spread of the underlying normal: 1.0 means a typical amount is within ~e of the median. */
  readonly sigma: number;
  readonly minCents: number;
  readonly maxCents: number;
}

export const OPENING_DEPOSIT: Readonly<Record<AccountType, AmountDistribution>> = {
  CHECKING: { medianCents: 1_500_00, sigma: 1.0, minCents: 10_00, maxCents: 250_000_00 },
  SAVINGS: { medianCents: 5_000_00, sigma: 1.2, minCents: 10_00, maxCents: 1_000_000_00 },
  BUSINESS: { medianCents: 20_000_00, sigma: 1.0, minCents: 100_00, maxCents: 2_000_000_00 },
};

export const DEPOSIT: AmountDistribution = { medianCents: 250_00, sigma: 1.0, minCents: 1_00, maxCents: 50_000_00 };
export const WITHDRAWAL: AmountDistribution = { medianCents: 60_00, sigma: 0.9, minCents: 1_00, maxCents: 10_000_00 };
export const TRANSFER: AmountDistribution = { medianCents: 150_00, sigma: 1.1, minCents: 1_00, maxCents: 25_000_00 };

/** Share of withdrawals that try to take more than the balance (and so fail): real banks see these. */
export const OVERDRAFT_ATTEMPT_SHARE = 0.05;

/** Generated customers' emails use the reserved example domains (RFC 2606), never a real one. */
export const EMAIL_DOMAINS = ['example.com', 'example.net', 'example.org'] as const;

export function sampleCents(random: Random, d: AmountDistribution): bigint {
  const raw = Math.round(d.medianCents * Math.exp(d.sigma * random.normal()));
  return BigInt(Math.min(d.maxCents, Math.max(d.minCents, raw)));
}
