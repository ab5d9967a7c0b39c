/**
 * Writes an IterationPlan inside the caller's transaction, in set-based statements (one per
 * table and kind of change) so an iteration costs a handful of round trips whatever its scale.
 */
import type { ClientBase } from 'pg';
import { composeEmail } from './email';
import { formatCents, parseCents } from './money';
import type { AccountRef, IterationPlan } from './plan';
import { PipelineError } from '../shared/errors';

/** Someone changed a locked balance behind our back: the iteration must not commit. */
export class LedgerDriftError extends PipelineError {
  override readonly name = 'LedgerDriftError';
  constructor(message: string) {
    super(message, { hint: 'nothing to do: the iteration rolled back and the next one plans from the balances as they are' });
  }
}

export interface IterationCounts {
  inserted: { customers: number; accounts: number; transactions: number };
  updated: { customers: number; accounts: number };
  deleted: { customers: number };
  failedTransactions: number;
  closedAccounts: number;
}

export interface AppliedIteration {
  counts: IterationCounts;
  customerIds: number[];
  accountIds: number[];
  deletedCustomerIds: number[];
  updatedCustomerIds: number[];
  closedAccountIds: number[];
}

export function emptyCounts(): IterationCounts {
  return {
    inserted: { customers: 0, accounts: 0, transactions: 0 },
    updated: { customers: 0, accounts: 0 },
    deleted: { customers: 0 },
    failedTransactions: 0,
    closedAccounts: 0,
  };
}

export async function applyPlan(db: ClientBase, plan: IterationPlan): Promise<AppliedIteration> {
  const deleted = await db.query<{ id: number }>(
    // the NOT EXISTS re-check makes the cascade harmless even if an account appeared meanwhile
    `DELETE FROM customers c
      WHERE c.id = ANY($1::int[])
        AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.customer_id = c.id)
      RETURNING c.id`,
    [plan.customerDeletes],
  );

  const updates = plan.customerUpdates;
  const updated = updates.length
    ? await db.query<{ id: number }>(
        `UPDATE customers c
            SET first_name = u.first_name, last_name = u.last_name, email = u.email
           FROM unnest($1::int[], $2::text[], $3::text[], $4::text[]) AS u(id, first_name, last_name, email)
          WHERE c.id = u.id
          RETURNING c.id`,
        [updates.map((u) => u.id), updates.map((u) => u.firstName), updates.map((u) => u.lastName), updates.map((u) => u.email)],
      )
    : { rows: [] };

  // Ids are allocated up front so emails can embed them and accounts can reference their owner.
  const customerIds = await allocateIds(db, 'customers', plan.newCustomers.length);
  if (customerIds.length) {
    await db.query(
      `INSERT INTO customers (id, first_name, last_name, email)
       SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[])`,
      [
        customerIds,
        plan.newCustomers.map((c) => c.firstName),
        plan.newCustomers.map((c) => c.lastName),
        plan.newCustomers.map((c, i) => composeEmail(c.emailLocal, customerIds[i]!, c.emailDomain)),
      ],
    );
  }

  const accountIds = await allocateIds(db, 'accounts', plan.newAccounts.length);
  if (accountIds.length) {
    await db.query(
      `INSERT INTO accounts (id, customer_id, account_type, balance, currency, status)
       SELECT id, customer_id, account_type, balance, currency, 'OPEN'
         FROM unnest($1::int[], $2::int[], $3::text[], $4::numeric[], $5::text[])
           AS t(id, customer_id, account_type, balance, currency)`,
      [
        accountIds,
        plan.newAccounts.map((a) => customerIds[a.customer]!),
        plan.newAccounts.map((a) => a.accountType),
        plan.newAccounts.map((a) => formatCents(a.finalCents)),
        plan.newAccounts.map((a) => a.currency),
      ],
    );
  }

  const idOf = (ref: AccountRef): number => (ref.kind === 'existing' ? ref.id : accountIds[ref.index]!);
  const txns = plan.transactions;
  if (txns.length) {
    // unnest keeps array order, so transaction ids follow ledger order (tests replay it by id)
    await db.query(
      `INSERT INTO transactions (account_id, txn_type, amount, related_account_id, status)
       SELECT * FROM unnest($1::int[], $2::text[], $3::numeric[], $4::int[], $5::text[])`,
      [
        txns.map((t) => idOf(t.account)),
        txns.map((t) => t.txnType),
        txns.map((t) => formatCents(t.amountCents)),
        txns.map((t) => (t.related ? idOf(t.related) : null)),
        txns.map((t) => t.status),
      ],
    );
  }

  const changes = plan.balanceChanges;
  if (changes.length) {
    const deltas = changes.map((c) => formatCents(c.afterCents - c.beforeCents));
    const { rows } = await db.query<{ id: number; balance: string }>(
      `UPDATE accounts a
          SET balance = a.balance + d.delta,
              status = CASE WHEN d.close THEN 'CLOSED' ELSE a.status END
         FROM unnest($1::int[], $2::numeric[], $3::bool[]) AS d(id, delta, close)
        WHERE a.id = d.id
        RETURNING a.id, a.balance`,
      [changes.map((c) => c.id), deltas, changes.map((c) => c.close)],
    );
    // The rows were locked when the plan read them, so any drift means someone wrote balances
    // without locking: refuse to commit rather than break the ledger.
    const after = new Map(rows.map((r) => [r.id, parseCents(r.balance)]));
    for (const c of changes) {
      if (after.get(c.id) !== c.afterCents) {
        throw new LedgerDriftError(`balance of account ${c.id} is not what the plan expected; rolled back`);
      }
    }
  }

  const closedAccountIds = changes.filter((c) => c.close).map((c) => c.id);
  return {
    counts: {
      inserted: { customers: customerIds.length, accounts: accountIds.length, transactions: txns.length },
      updated: { customers: updated.rows.length, accounts: changes.length },
      deleted: { customers: deleted.rows.length },
      failedTransactions: txns.filter((t) => t.status === 'FAILED').length,
      closedAccounts: closedAccountIds.length,
    },
    customerIds,
    accountIds,
    deletedCustomerIds: deleted.rows.map((r) => r.id),
    updatedCustomerIds: updated.rows.map((r) => r.id),
    closedAccountIds,
  };
}

async function allocateIds(db: ClientBase, table: 'customers' | 'accounts', n: number): Promise<number[]> {
  if (n === 0) return [];
  const { rows } = await db.query<{ id: number }>(
    `SELECT nextval(pg_get_serial_sequence($1, 'id'))::int AS id FROM generate_series(1, $2) ORDER BY 1`,
    [table, n],
  );
  return rows.map((r) => r.id);
}
