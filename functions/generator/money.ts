/**
 * Money as integer cents in a bigint, and its exact 'D.CC' text form for SQL. Postgres returns
 * NUMERIC as a string, so balances never pass through a JS float on the way in or out.
 */

const DECIMAL_2 = /^(-?)(\d+)(?:\.(\d{1,2}))?$/;

/** '123.4' -> 12340n. Rejects anything with more than two decimals rather than rounding it. */
export function parseCents(text: string): bigint {
  const m = DECIMAL_2.exec(text.trim());
  if (!m) throw new RangeError(`not a decimal amount with at most 2 places: ${JSON.stringify(text)}`);
  const [, sign, whole, frac = ''] = m;
  const cents = BigInt(whole!) * 100n + BigInt(frac.padEnd(2, '0'));
  return sign === '-' ? -cents : cents;
}

/** 12340n -> '123.40' (always two decimals, as NUMERIC(18,2) prints). */
export function formatCents(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const text = `${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
  return negative ? `-${text}` : text;
}
