/**
 * customer_360 at the cuts of its inputs (martCut.ts): a customer's row is compared when none of
 * its inputs in the marts changed after their cut (its dim_customers versions, the dim_accounts
 * versions of its accounts, the fact rows of those accounts); then the mart's row is what the
 * model makes of RAW's state at the cuts, which is what verify computes here (the model's rules:
 * current customers, their current accounts, balances summed per currency with a total only for a
 * single currency, activity over their accounts' live transactions).
 */
import { duckdbCanonical, type ReconColumn } from './canonical';
import { latestInCut } from './martSql';

type Cut = (lsn: string, tx: string) => string;
export interface InputCuts {
  customers: Cut;
  accounts: Cut;
  transactions: Cut;
}

const ts = (name: string): ReconColumn => ({ name, type: 'timestamptz' });
const other = (name: string): ReconColumn => ({ name, type: 'other' });

export const CUSTOMER_360_COLUMNS: readonly ReconColumn[] = [
  other('first_name'),
  other('last_name'),
  other('email'),
  ts('created_at'),
  ts('profile_updated_at'),
  other('profile_versions'),
  other('account_count'),
  other('open_account_count'),
  other('balance_currency'),
  other('total_balance'),
  other('balances_by_currency'),
  other('transaction_count'),
  other('failed_transaction_count'),
  ts('first_transaction_at'),
  ts('last_transaction_at'),
];

const row = CUSTOMER_360_COLUMNS.map(duckdbCanonical).join(` || '|' || `);

/** (k, r) of customer_360 as RAW's state at the cuts makes it. */
export function customer360ExpectedSql(cut: InputCuts, schema = 'raw'): string {
  return `WITH
    c AS (SELECT * FROM (${latestInCut('customers', cut.customers('_lsn', '_tx_id'), schema)}) WHERE _op <> 'd'),
    versions AS (
      SELECT id, count(*) AS profile_versions FROM (
        SELECT id, _op, row_number() OVER (PARTITION BY id, coalesce(_tx_id, -_lsn) ORDER BY _lsn DESC, _kafka_offset DESC) AS rn
          FROM ${schema}."customers" WHERE ${cut.customers('_lsn', '_tx_id')}
      ) WHERE rn = 1 AND _op <> 'd' GROUP BY id),
    a AS (SELECT id, customer_id, balance, trim(currency) AS currency, status
            FROM (${latestInCut('accounts', cut.accounts('_lsn', '_tx_id'), schema)}) WHERE _op <> 'd'),
    per_currency AS (SELECT customer_id, currency, sum(balance) AS balance FROM a GROUP BY customer_id, currency),
    summary AS (
      SELECT customer_id, count(*) AS account_count, sum(CASE WHEN status = 'OPEN' THEN 1 ELSE 0 END) AS open_account_count,
             count(DISTINCT currency) AS currency_count, min(currency) AS any_currency, sum(balance) AS summed_balance
        FROM a GROUP BY customer_id),
    balances AS (
      SELECT customer_id, string_agg(currency || ' ' || CAST(balance AS VARCHAR), ', ' ORDER BY currency) AS balances_by_currency
        FROM per_currency GROUP BY customer_id),
    t AS (SELECT * FROM (${latestInCut('transactions', cut.transactions('_lsn', '_tx_id'), schema)}) WHERE _op <> 'd'),
    activity AS (
      SELECT a.customer_id, count(*) AS transaction_count, sum(CASE WHEN t.status = 'FAILED' THEN 1 ELSE 0 END) AS failed_transaction_count,
             min(t.created_at) AS first_transaction_at, max(t.created_at) AS last_transaction_at
        FROM t JOIN a ON a.id = t.account_id GROUP BY a.customer_id)
  SELECT CAST(c.id AS VARCHAR) AS k, ${row} AS r FROM (
    SELECT c.id, c.first_name, c.last_name, c.email, c.created_at,
           make_timestamp(c._source_ts_ms * 1000) AS profile_updated_at, versions.profile_versions,
           coalesce(summary.account_count, 0) AS account_count, coalesce(summary.open_account_count, 0) AS open_account_count,
           CASE WHEN summary.currency_count = 1 THEN summary.any_currency END AS balance_currency,
           CAST(CASE WHEN summary.currency_count = 1 THEN summary.summed_balance END AS DECIMAL(18, 2)) AS total_balance,
           balances.balances_by_currency,
           coalesce(activity.transaction_count, 0) AS transaction_count,
           coalesce(activity.failed_transaction_count, 0) AS failed_transaction_count,
           activity.first_transaction_at, activity.last_transaction_at
      FROM c JOIN versions ON versions.id = c.id
      LEFT JOIN summary ON summary.customer_id = c.id
      LEFT JOIN balances ON balances.customer_id = c.id
      LEFT JOIN activity ON activity.customer_id = c.id) AS c`;
}

/** (k, r) of the mart. */
export function customer360MartSql(martsSchema: string): string {
  return `SELECT CAST(customer_id AS VARCHAR) AS k, ${row} AS r FROM ${martsSchema}."customer_360"`;
}

/** Customers one of whose inputs in the marts changed after its cut: their rows are not compared. */
export function customer360AfterCutSql(cut: InputCuts, martsSchema: string): string {
  const out = (c: Cut, lsn: string, tx: string) => `NOT coalesce(${c(lsn, tx)}, false)`;
  const changedLater = (c: Cut) =>
    `${out(c, 'change_lsn', 'change_tx_id')} OR (valid_to_lsn IS NOT NULL AND ${out(c, 'valid_to_lsn', 'valid_to_tx_id')})`;
  const m = (t: string) => `${martsSchema}."${t}"`;
  return `SELECT DISTINCT CAST(customer_id AS VARCHAR) FROM (
      SELECT customer_id FROM ${m('dim_customers')} WHERE ${changedLater(cut.customers)}
      UNION ALL
      SELECT v.customer_id FROM ${m('dim_accounts')} AS v
        WHERE v.account_id IN (SELECT account_id FROM ${m('dim_accounts')} WHERE ${changedLater(cut.accounts)})
      UNION ALL
      SELECT v.customer_id FROM ${m('dim_accounts')} AS v
        WHERE v.account_id IN (SELECT account_id FROM ${m('fact_transactions')} WHERE ${out(cut.transactions, 'last_change_lsn', 'last_change_tx_id')}))`;
}
