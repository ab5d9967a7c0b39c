/**
 * The slice of the database one iteration acts on, read and row-locked inside the iteration's
 * transaction: the most recent OPEN accounts and the most recent customers the generator owns.
 * Locking a bounded pool keeps each iteration's cost flat as tables grow, and two generators
 * running at once queue on the same rows in the same order (id descending), so they serialise
 * instead of deadlocking.
 */
import type { ClientBase } from 'pg';
import { OWNED_CUSTOMER_SQL } from './email';
import { parseCents } from './money';

export interface PoolAccount {
  id: number;
  customerId: number;
  currency: string;
  balanceCents: bigint;
}

export interface PoolCustomer {
  id: number;
  firstName: string;
  lastName: string;
  email: string;
  /** Has (or had, if closed) at least one account; false = a prospect, safe to delete. */
  hasAccounts: boolean;
}

export interface GeneratorState {
  /** Ascending id. */
  accounts: PoolAccount[];
  /** Ascending id. */
  customers: PoolCustomer[];
}

export async function readState(db: ClientBase, poolSize: number): Promise<GeneratorState> {
  const accounts = await db.query<{ id: number; customer_id: number; currency: string; balance: string }>(
    `SELECT a.id, a.customer_id, a.currency, a.balance
       FROM accounts a JOIN customers c ON c.id = a.customer_id
      WHERE a.status = 'OPEN' AND ${OWNED_CUSTOMER_SQL}
      ORDER BY a.id DESC
      LIMIT $1
        FOR UPDATE OF a`,
    [poolSize],
  );
  const customers = await db.query<{
    id: number;
    first_name: string;
    last_name: string;
    email: string;
    has_accounts: boolean;
  }>(
    `SELECT c.id, c.first_name, c.last_name, c.email,
            EXISTS (SELECT 1 FROM accounts a WHERE a.customer_id = c.id) AS has_accounts
       FROM customers c
      WHERE ${OWNED_CUSTOMER_SQL}
      ORDER BY c.id DESC
      LIMIT $1
        FOR UPDATE OF c`,
    [poolSize],
  );
  return {
    accounts: accounts.rows
      .map((r) => ({
        id: r.id,
        customerId: r.customer_id,
        currency: r.currency,
        balanceCents: parseCents(r.balance), // pg returns NUMERIC as text: exact
      }))
      .reverse(),
    customers: customers.rows
      .map((r) => ({
        id: r.id,
        firstName: r.first_name,
        lastName: r.last_name,
        email: r.email,
        hasAccounts: r.has_accounts,
      }))
      .reverse(),
  };
}
