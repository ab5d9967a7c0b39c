import { formatCents } from '../../../functions/generator/money';
import { parseGeneratorOptions } from '../../../functions/generator/options';
import { planIteration, type AccountRef, type IterationPlan } from '../../../functions/generator/plan';
import { createRandom } from '../../../functions/generator/random';
import { isGeneratedEmail } from '../../../functions/generator/email';
import type { GeneratorState } from '../../../functions/generator/state';
import { sampleState } from './fixtures';

const options = parseGeneratorOptions({});
const plan = (seed: number, iteration = 0, state: GeneratorState = sampleState(), opts = options): IterationPlan =>
  planIteration(createRandom(seed, iteration), state, opts);

/** Replays a plan from the state with independent arithmetic and checks every ledger rule. */
function replay(state: GeneratorState, p: IterationPlan): Map<string, bigint> {
  const key = (r: AccountRef): string => (r.kind === 'existing' ? `e${r.id}` : `n${r.index}`);
  const balance = new Map<string, bigint>();
  const currency = new Map<string, string>();
  for (const a of state.accounts) {
    balance.set(`e${a.id}`, a.balanceCents);
    currency.set(`e${a.id}`, a.currency);
  }
  p.newAccounts.forEach((a, i) => {
    balance.set(`n${i}`, 0n);
    currency.set(`n${i}`, a.currency);
  });
  p.transactions.forEach((t) => {
    const from = key(t.account);
    expect(t.amountCents).toBeGreaterThan(0n);
    const b = balance.get(from)!;
    if (t.txnType === 'DEPOSIT') {
      expect(t.status).toBe('COMPLETED');
      balance.set(from, b + t.amountCents);
    } else if (t.txnType === 'WITHDRAWAL') {
      expect(t.status).toBe(t.amountCents > b ? 'FAILED' : 'COMPLETED');
      if (t.status === 'COMPLETED') balance.set(from, b - t.amountCents);
    } else {
      const to = key(t.related!);
      expect(to).not.toBe(from);
      expect(currency.get(to)).toBe(currency.get(from));
      expect(t.status).toBe(t.amountCents > b ? 'FAILED' : 'COMPLETED');
      if (t.status === 'COMPLETED') {
        balance.set(from, b - t.amountCents);
        balance.set(to, balance.get(to)! + t.amountCents);
      }
    }
    for (const v of balance.values()) expect(v).toBeGreaterThanOrEqual(0n);
  });
  return balance;
}

describe('planIteration', () => {
  it('is deterministic: same seed, iteration and state give the same plan', () => {
    expect(plan(42, 3)).toEqual(plan(42, 3));
  });

  it('differs for another seed or another iteration of the same seed', () => {
    const base = plan(42, 3);
    expect(plan(43, 3)).not.toEqual(base);
    expect(plan(42, 4)).not.toEqual(base);
  });

  it('has the requested scale: opening deposits first, then the activity', () => {
    const p = plan(7);
    expect(p.newCustomers).toHaveLength(10);
    expect(p.newAccounts).toHaveLength(20);
    const opening = p.transactions.slice(0, 20);
    opening.forEach((t, i) => {
      expect(t).toMatchObject({ account: { kind: 'new', index: i }, txnType: 'DEPOSIT', status: 'COMPLETED', related: null });
      expect(t.amountCents).toBe(p.newAccounts[i]!.openingCents);
    });
    const payouts = p.balanceChanges.filter((c) => c.close && c.beforeCents > 0n).length;
    expect(p.transactions.length).toBeLessThanOrEqual(20 + 50 + payouts + 2);
    expect(p.transactions.length).toBeGreaterThanOrEqual(20 + 50);
  });

  it('amounts are positive whole cents that format as exact decimal strings', () => {
    for (let seed = 0; seed < 20; seed++) {
      for (const t of plan(seed).transactions) {
        expect(typeof t.amountCents).toBe('bigint');
        expect(formatCents(t.amountCents)).toMatch(/^[1-9]\d*\.\d{2}$|^0\.(0[1-9]|[1-9]\d)$/);
      }
    }
  });

  it('keeps every ledger rule, and its final balances match an independent replay', () => {
    for (let seed = 0; seed < 50; seed++) {
      const state = sampleState();
      const p = plan(seed, 0, state);
      const replayed = replay(state, p);
      p.newAccounts.forEach((a, i) => expect(a.finalCents).toBe(replayed.get(`n${i}`)));
      for (const a of state.accounts) {
        const change = p.balanceChanges.find((c) => c.id === a.id);
        expect(change?.afterCents ?? a.balanceCents).toBe(replayed.get(`e${a.id}`));
        if (change) expect(change.beforeCents).toBe(a.balanceCents);
        if (change?.close) expect(change.afterCents).toBe(0n);
      }
    }
  });

  it('a closed account is emptied by one payout after all activity and takes part in nothing after it', () => {
    let closes = 0;
    for (let seed = 0; seed < 100; seed++) {
      const p = plan(seed);
      const tail = p.transactions.slice(p.newAccounts.length + options.scale.transactions);
      for (const c of p.balanceChanges.filter((x) => x.close)) {
        closes++;
        const touches = (r: AccountRef | null): boolean => r?.kind === 'existing' && r.id === c.id;
        const inTail = tail.filter((t) => touches(t.account) || touches(t.related));
        expect(inTail.length).toBeLessThanOrEqual(1);
        for (const t of inTail) expect(t).toMatchObject({ txnType: 'WITHDRAWAL', status: 'COMPLETED', related: null });
        expect(c.afterCents).toBe(0n);
      }
    }
    expect(closes).toBeGreaterThan(10);
  });

  it('deletes only prospects, never a customer with accounts, and never one it also updates', () => {
    let deletes = 0;
    for (let seed = 0; seed < 100; seed++) {
      const state = sampleState();
      const p = plan(seed, 0, state);
      for (const id of p.customerDeletes) {
        deletes++;
        expect(state.customers.find((c) => c.id === id)?.hasAccounts).toBe(false);
        expect(p.customerUpdates.map((u) => u.id)).not.toContain(id);
      }
    }
    expect(deletes).toBeGreaterThan(10);
  });

  it('customer updates change something and keep the generated, id-unique email form', () => {
    let updates = 0;
    for (let seed = 0; seed < 100; seed++) {
      const state = sampleState();
      for (const u of plan(seed, 0, state).customerUpdates) {
        updates++;
        const before = state.customers.find((c) => c.id === u.id)!;
        expect(isGeneratedEmail(u.email, u.id)).toBe(true);
        if (u.change !== 'name') expect(u.email).not.toBe(before.email);
        if (u.change !== 'email') expect(u.lastName).not.toBe(before.lastName);
      }
    }
    expect(updates).toBeGreaterThan(20);
  });

  it('works on an empty database: new accounts trade among themselves', () => {
    const p = plan(1, 0, { accounts: [], customers: [] });
    expect(p.customerDeletes).toEqual([]);
    expect(p.customerUpdates).toEqual([]);
    expect(p.balanceChanges).toEqual([]);
    expect(p.transactions.length).toBeGreaterThanOrEqual(70);
  });

  it('gives every account an owner even when every new customer drew "prospect"', () => {
    const opts = parseGeneratorOptions({ scale: { customers: 3, accounts: 4, transactions: 0 }, shares: { prospects: 1 } });
    const p = plan(1, 0, sampleState(), opts);
    expect(p.newCustomers.filter((c) => !c.prospect)).toHaveLength(1);
    expect(new Set(p.newAccounts.map((a) => a.customer))).toEqual(new Set([2]));
  });
});

describe('distributions over many iterations', () => {
  const plans = Array.from({ length: 300 }, (_, i) => plan(1000 + i));
  const activity = plans.flatMap((p) => p.transactions.slice(p.newAccounts.length));
  const median = (xs: bigint[]): number => {
    const s = [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return Number(s[Math.floor(s.length / 2)]) / 100;
  };

  it('transaction types follow their weights (40/35/25, fewer transfers when no counterparty)', () => {
    const share = (type: string): number => activity.filter((t) => t.txnType === type).length / activity.length;
    expect(share('DEPOSIT')).toBeGreaterThan(0.35);
    expect(share('DEPOSIT')).toBeLessThan(0.5);
    expect(share('WITHDRAWAL')).toBeGreaterThan(0.3);
    expect(share('WITHDRAWAL')).toBeLessThan(0.4);
    expect(share('TRANSFER')).toBeGreaterThan(0.15);
    expect(share('TRANSFER')).toBeLessThan(0.3);
  });

  it('amounts have plausible medians', () => {
    const amounts = (type: string): bigint[] => activity.filter((t) => t.txnType === type).map((t) => t.amountCents);
    expect(median(amounts('DEPOSIT'))).toBeGreaterThan(150);
    expect(median(amounts('DEPOSIT'))).toBeLessThan(400);
    expect(median(amounts('TRANSFER'))).toBeGreaterThan(80);
    expect(median(amounts('TRANSFER'))).toBeLessThan(250);
    const opening = median(plans.flatMap((p) => p.newAccounts.map((a) => a.openingCents)));
    expect(opening).toBeGreaterThan(1_000);
    expect(opening).toBeLessThan(10_000);
  });

  it('some withdrawals fail for short funds, most succeed', () => {
    const withdrawals = activity.filter((t) => t.txnType === 'WITHDRAWAL');
    const failed = withdrawals.filter((t) => t.status === 'FAILED').length / withdrawals.length;
    expect(failed).toBeGreaterThan(0.02);
    expect(failed).toBeLessThan(0.2);
  });

  it('accounts are mostly USD, with several other currencies and types', () => {
    const accounts = plans.flatMap((p) => p.newAccounts);
    const usd = accounts.filter((a) => a.currency === 'USD').length / accounts.length;
    expect(usd).toBeGreaterThan(0.8);
    expect(usd).toBeLessThan(0.9);
    expect(new Set(accounts.map((a) => a.currency))).toEqual(new Set(['USD', 'EUR', 'GBP', 'CAD']));
    expect(new Set(accounts.map((a) => a.accountType))).toEqual(new Set(['CHECKING', 'SAVINGS', 'BUSINESS']));
  });

  it('change shares are near their configured values', () => {
    const rate = (f: (p: IterationPlan) => boolean): number => plans.filter(f).length / plans.length;
    expect(rate((p) => p.customerUpdates.length > 0)).toBeGreaterThan(0.2);
    expect(rate((p) => p.customerUpdates.length > 0)).toBeLessThan(0.4);
    expect(rate((p) => p.balanceChanges.some((c) => c.close))).toBeGreaterThan(0.12);
    expect(rate((p) => p.balanceChanges.some((c) => c.close))).toBeLessThan(0.28);
    const prospects = plans.flatMap((p) => p.newCustomers).filter((c) => c.prospect).length / (plans.length * 10);
    expect(prospects).toBeGreaterThan(0.06);
    expect(prospects).toBeLessThan(0.14);
  });
});
