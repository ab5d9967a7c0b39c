/** SQL checks of the generator's ledger invariant, shared by the integration test and the benchmark. */

/**
 * Accounts whose balance differs from their COMPLETED transactions:
 * deposits - withdrawals - transfers out + transfers in. `$1` limits it to generator-owned
 * customers (true) or checks every account (false).
 */
export const LEDGER_VIOLATIONS_SQL = `
  WITH effects AS (
    SELECT account_id AS id,
           CASE txn_type WHEN 'DEPOSIT' THEN amount WHEN 'WITHDRAWAL' THEN -amount WHEN 'TRANSFER' THEN -amount END AS delta
      FROM transactions WHERE status = 'COMPLETED'
    UNION ALL
    SELECT related_account_id, amount FROM transactions WHERE status = 'COMPLETED' AND txn_type = 'TRANSFER'
  ), ledger AS (
    SELECT id, sum(delta) AS total, bool_or(delta IS NULL) AS unknown_type FROM effects GROUP BY id
  )
  SELECT a.id, a.balance, coalesce(l.total, 0)::text AS ledger, c.email
    FROM accounts a
    JOIN customers c ON c.id = a.customer_id
    LEFT JOIN ledger l ON l.id = a.id
   WHERE (NOT $1::bool OR c.email LIKE '%.' || c.id || '@example.%')
     AND (a.balance <> coalesce(l.total, 0) OR coalesce(l.unknown_type, false))
   ORDER BY a.id`;
