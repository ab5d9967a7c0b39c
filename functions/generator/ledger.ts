/**
 * The bank's ledger rules over integer-cent balances. Pure: the plan uses them to decide each
 * transaction's status and the balances it leaves, and the database's CHECK (balance >= 0)
 * is the last line of defence, not the rule.
 *
 * Invariant kept for every account after every commit:
 *   balance = COMPLETED deposits - withdrawals - transfers out + transfers in
 * A transaction that cannot be honoured is recorded as FAILED and moves nothing.
 */

export type TxnStatus = 'COMPLETED' | 'FAILED';

export class Ledger {
  private readonly balances = new Map<string, bigint>();
  private readonly currencies = new Map<string, string>();
  private readonly closed = new Set<string>();

  open(key: string, currency: string, balanceCents: bigint): void {
    if (balanceCents < 0n) throw new RangeError(`account ${key} would open with a negative balance`);
    this.balances.set(key, balanceCents);
    this.currencies.set(key, currency);
  }

  balance(key: string): bigint {
    const b = this.balances.get(key);
    if (b === undefined) throw new RangeError(`unknown account ${key}`);
    return b;
  }

  currency(key: string): string {
    const c = this.currencies.get(key);
    if (c === undefined) throw new RangeError(`unknown account ${key}`);
    return c;
  }

  isOpen(key: string): boolean {
    return this.balances.has(key) && !this.closed.has(key);
  }

  deposit(key: string, cents: bigint): TxnStatus {
    this.requireOpen(key);
    requirePositive(cents);
    this.balances.set(key, this.balance(key) + cents);
    return 'COMPLETED';
  }

  withdraw(key: string, cents: bigint): TxnStatus {
    this.requireOpen(key);
    requirePositive(cents);
    const b = this.balance(key);
    if (cents > b) return 'FAILED';
    this.balances.set(key, b - cents);
    return 'COMPLETED';
  }

  /** Same currency only (no FX in this bank); short funds fail like a withdrawal. */
  transfer(from: string, to: string, cents: bigint): TxnStatus {
    if (from === to) throw new RangeError('transfer to the same account');
    this.requireOpen(from);
    this.requireOpen(to);
    requirePositive(cents);
    if (this.currency(from) !== this.currency(to)) throw new RangeError(`transfer across currencies ${from} -> ${to}`);
    const b = this.balance(from);
    if (cents > b) return 'FAILED';
    this.balances.set(from, b - cents);
    this.balances.set(to, this.balance(to) + cents);
    return 'COMPLETED';
  }

  /** Closing needs an empty account: the caller pays the remainder out first. */
  close(key: string): void {
    this.requireOpen(key);
    if (this.balance(key) !== 0n) throw new RangeError(`account ${key} closed with a non-zero balance`);
    this.closed.add(key);
  }

  private requireOpen(key: string): void {
    if (!this.isOpen(key)) throw new RangeError(`account ${key} is not open`);
  }
}

function requirePositive(cents: bigint): void {
  // amount > 0 is a CHECK in the schema too
  if (cents <= 0n) throw new RangeError(`amount must be positive, got ${cents} cents`);
}
