/**
 * One iteration's plan, built from a seeded Random and the locked state: pure, so the same seed
 * and the same state give the same plan, and every ledger decision (FAILED withdrawals, final
 * balances) is made here in integer cents before any SQL runs.
 */
import {
  ACCOUNT_TYPES,
  DEPOSIT,
  EMAIL_DOMAINS,
  MAIN_CURRENCY_SHARE,
  OPENING_DEPOSIT,
  OVERDRAFT_ATTEMPT_SHARE,
  SECONDARY_CURRENCIES,
  TRANSFER,
  TXN_TYPE_WEIGHTS,
  WITHDRAWAL,
  sampleCents,
  type AccountType,
  type TxnType,
} from './catalog';
import { composeEmail, sanitizeLocalPart } from './email';
import { Ledger, type TxnStatus } from './ledger';
import type { GeneratorOptions } from './options';
import type { Random } from './random';
import type { GeneratorState, PoolCustomer } from './state';

/** An account that exists already, or the n-th one this plan opens (its id is not known yet). */
export type AccountRef = { kind: 'existing'; id: number } | { kind: 'new'; index: number };

export interface PlannedCustomer {
  firstName: string;
  lastName: string;
  /** The email is `<emailLocal>.<id>@<emailDomain>` once the id is allocated. */
  emailLocal: string;
  emailDomain: string;
  /** Signs up without opening an account. */
  prospect: boolean;
}

export interface PlannedAccount {
  /** Index into newCustomers. */
  customer: number;
  accountType: AccountType;
  currency: string;
  openingCents: bigint;
  /** Balance after every transaction of this plan. */
  finalCents: bigint;
}

export interface PlannedTransaction {
  account: AccountRef;
  txnType: TxnType;
  amountCents: bigint;
  related: AccountRef | null;
  status: TxnStatus;
}

export interface PlannedCustomerUpdate {
  id: number;
  change: 'email' | 'name' | 'name+email';
  firstName: string;
  lastName: string;
  email: string;
}

export interface PlannedBalanceChange {
  id: number;
  beforeCents: bigint;
  afterCents: bigint;
  close: boolean;
}

export interface IterationPlan {
  newCustomers: PlannedCustomer[];
  newAccounts: PlannedAccount[];
  /** In ledger order: opening deposits first, then activity, then payouts of closed accounts. */
  transactions: PlannedTransaction[];
  customerUpdates: PlannedCustomerUpdate[];
  /** Customers without accounts (prospects) to erase: no cascade touches the ledger. */
  customerDeletes: number[];
  /** Existing accounts whose balance or status changes. */
  balanceChanges: PlannedBalanceChange[];
}

type PlanOptions = Pick<GeneratorOptions, 'scale' | 'currency' | 'shares'>;

const keyOf = (ref: AccountRef): string => (ref.kind === 'existing' ? `e${ref.id}` : `n${ref.index}`);

export function planIteration(random: Random, state: GeneratorState, options: PlanOptions): IterationPlan {
  const { faker } = random;
  const ledger = new Ledger();
  for (const a of state.accounts) ledger.open(keyOf({ kind: 'existing', id: a.id }), a.currency, a.balanceCents);

  // Deletes: only prospects, so ON DELETE CASCADE never removes an account or its history.
  const customerDeletes: number[] = [];
  if (random.chance(options.shares.customerDeletes)) {
    const prospects = state.customers.filter((c) => !c.hasAccounts);
    customerDeletes.push(...sample(random, prospects, random.int(1, 3)).map((c) => c.id));
  }

  const customerUpdates: PlannedCustomerUpdate[] = [];
  if (random.chance(options.shares.customerUpdates)) {
    const deleted = new Set(customerDeletes);
    const candidates = state.customers.filter((c) => !deleted.has(c.id));
    for (const c of sample(random, candidates, random.int(1, 3))) customerUpdates.push(planCustomerUpdate(random, c));
  }

  const newCustomers: PlannedCustomer[] = [];
  for (let i = 0; i < options.scale.customers; i++) {
    const firstName = faker.person.firstName();
    const lastName = faker.person.lastName();
    newCustomers.push({
      firstName,
      lastName,
      emailLocal: emailLocal(random, firstName, lastName),
      emailDomain: random.pick(EMAIL_DOMAINS),
      prospect: random.chance(options.shares.prospects),
    });
  }
  const owners = newCustomers.flatMap((c, i) => (c.prospect ? [] : [i]));
  if (owners.length === 0 && options.scale.accounts > 0 && newCustomers.length > 0) {
    newCustomers[newCustomers.length - 1]!.prospect = false; // the accounts need an owner
    owners.push(newCustomers.length - 1);
  }

  const transactions: PlannedTransaction[] = [];
  const newAccounts: PlannedAccount[] = [];
  for (let j = 0; j < options.scale.accounts; j++) {
    // every owner gets one account first, the rest go to random owners (so 2 each on average)
    const customer = j < owners.length ? owners[j]! : random.pick(owners);
    const accountType = random.weighted(ACCOUNT_TYPES);
    const currency = random.chance(MAIN_CURRENCY_SHARE)
      ? options.currency
      : random.pick(SECONDARY_CURRENCIES.filter((c) => c !== options.currency));
    const openingCents = sampleCents(random, OPENING_DEPOSIT[accountType]);
    const ref: AccountRef = { kind: 'new', index: j };
    ledger.open(keyOf(ref), currency, 0n);
    transactions.push({
      account: ref,
      txnType: 'DEPOSIT',
      amountCents: openingCents,
      related: null,
      status: ledger.deposit(keyOf(ref), openingCents),
    });
    newAccounts.push({ customer, accountType, currency, openingCents, finalCents: 0n });
  }

  const active: AccountRef[] = [
    ...state.accounts.map((a): AccountRef => ({ kind: 'existing', id: a.id })),
    ...newAccounts.map((_, index): AccountRef => ({ kind: 'new', index })),
  ];
  for (let t = 0; t < options.scale.transactions && active.length > 0; t++) {
    transactions.push(planTransaction(random, ledger, active));
  }

  // Closes: pay the remainder out as a COMPLETED withdrawal, then close at zero. Closes come last,
  // so a closed account takes part in nothing else; later iterations only see OPEN accounts.
  const closing = new Set<number>();
  if (random.chance(options.shares.accountCloses)) {
    for (const a of sample(random, state.accounts, random.int(1, 2))) {
      const ref: AccountRef = { kind: 'existing', id: a.id };
      const remainder = ledger.balance(keyOf(ref));
      if (remainder > 0n) {
        transactions.push({
          account: ref,
          txnType: 'WITHDRAWAL',
          amountCents: remainder,
          related: null,
          status: ledger.withdraw(keyOf(ref), remainder),
        });
      }
      ledger.close(keyOf(ref));
      closing.add(a.id);
    }
  }

  for (const [index, acct] of newAccounts.entries()) acct.finalCents = ledger.balance(keyOf({ kind: 'new', index }));
  const balanceChanges: PlannedBalanceChange[] = [];
  for (const a of state.accounts) {
    const afterCents = ledger.balance(keyOf({ kind: 'existing', id: a.id }));
    const close = closing.has(a.id);
    if (afterCents !== a.balanceCents || close) balanceChanges.push({ id: a.id, beforeCents: a.balanceCents, afterCents, close });
  }

  return { newCustomers, newAccounts, transactions, customerUpdates, customerDeletes, balanceChanges };
}

function planTransaction(random: Random, ledger: Ledger, active: readonly AccountRef[]): PlannedTransaction {
  let txnType = random.weighted(TXN_TYPE_WEIGHTS);
  const account = random.pick(active);
  const key = keyOf(account);
  if (txnType === 'TRANSFER') {
    const currency = ledger.currency(key);
    const targets = active.filter((r) => keyOf(r) !== key && ledger.currency(keyOf(r)) === currency);
    if (targets.length > 0) {
      const related = random.pick(targets);
      const amountCents = sampleCents(random, TRANSFER);
      return { account, txnType, amountCents, related, status: ledger.transfer(key, keyOf(related), amountCents) };
    }
    txnType = 'DEPOSIT'; // no same-currency counterparty in the pool: no FX here, so money comes in instead
  }
  if (txnType === 'WITHDRAWAL') {
    const amountCents = random.chance(OVERDRAFT_ATTEMPT_SHARE)
      ? ledger.balance(key) + sampleCents(random, WITHDRAWAL)
      : sampleCents(random, WITHDRAWAL);
    return { account, txnType, amountCents, related: null, status: ledger.withdraw(key, amountCents) };
  }
  const amountCents = sampleCents(random, DEPOSIT);
  return { account, txnType: 'DEPOSIT', amountCents, related: null, status: ledger.deposit(key, amountCents) };
}

function planCustomerUpdate(random: Random, c: PoolCustomer): PlannedCustomerUpdate {
  const change = random.weighted([
    ['email', 0.5],
    ['name', 0.2],
    ['name+email', 0.3],
  ] as const);
  let { lastName, email } = c;
  if (change !== 'email') {
    const previous = lastName;
    for (let i = 0; i < 5 && lastName === previous; i++) lastName = random.faker.person.lastName(); // e.g. marriage
  }
  if (change !== 'name') {
    const previous = email;
    for (let i = 0; i < 5 && email === previous; i++) {
      email = composeEmail(emailLocal(random, c.firstName, lastName), c.id, random.pick(EMAIL_DOMAINS));
    }
  }
  return { id: c.id, change, firstName: c.firstName, lastName, email };
}

function emailLocal(random: Random, firstName: string, lastName: string): string {
  return sanitizeLocalPart(random.faker.internet.username({ firstName, lastName }));
}

/** k distinct items, in random order (partial Fisher-Yates on a copy). */
function sample<T>(random: Random, items: readonly T[], k: number): T[] {
  const copy = [...items];
  const n = Math.min(k, copy.length);
  for (let i = 0; i < n; i++) {
    const j = random.int(i, copy.length - 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}
