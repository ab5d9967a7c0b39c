/**
 * The marts verify compares at a cut (martCut.ts), each as two SELECTs of (key, canonical row):
 * what RAW says the mart should hold as of the cut, and what the mart holds as of it. The dims
 * (SCD2) give the version whose opening change is in the cut and whose closing change is not; the
 * fact (latest state per transaction) only rows whose latest change is in the cut (a later one
 * left nothing of the earlier state to compare); the ledger the legs of those rows.
 */
import { TABLES, type DeclaredTable } from '../shared/tables';
import { duckdbCanonical, type ReconColumn } from './canonical';

export type MartKind = 'scd2' | 'fact' | 'ledger';

export interface MartSpec {
  mart: string;
  /** The RAW table it is built from; its cut. */
  source: DeclaredTable;
  kind: MartKind;
  /** The mart's key column (RAW's `id`). */
  key: string;
  columns: ReconColumn[];
}

const money = (e: string) => `CAST(${e} AS DECIMAL(18, 2))`;
/** tables.ts's columns of a table but its key, with their canonical kinds. */
const attributes = (t: DeclaredTable): ReconColumn[] =>
  TABLES[t].columns.filter((c) => !TABLES[t].key.includes(c.name)).map((c) => ({ name: c.name, type: c.type }));

export const MART_SPECS: readonly MartSpec[] = [
  { mart: 'dim_customers', source: 'customers', kind: 'scd2', key: 'customer_id', columns: attributes('customers') },
  { mart: 'dim_accounts', source: 'accounts', kind: 'scd2', key: 'account_id', columns: attributes('accounts') },
  {
    mart: 'fact_transactions',
    source: 'transactions',
    kind: 'fact',
    key: 'transaction_id',
    columns: [
      ...attributes('transactions'),
      { name: 'is_deleted', type: 'other' },
      { name: 'account_balance_effect', type: 'other' },
    ],
  },
  {
    mart: 'account_ledger',
    source: 'transactions',
    kind: 'ledger',
    key: 'transaction_id',
    columns: ['account_id', 'txn_type', 'signed_amount']
      .map((name) => ({ name, type: 'other' }))
      .concat([{ name: 'created_at', type: 'timestamptz' }]),
  },
];

/** The latest change per key among those in the cut; deletes kept (as the fact keeps them). */
export function latestInCut(table: DeclaredTable, cut: string, schema = 'raw'): string {
  return `SELECT * FROM (
      SELECT *, row_number() OVER (PARTITION BY id ORDER BY _lsn DESC, _kafka_offset DESC) AS _rn
        FROM ${schema}."${table}" WHERE ${cut}
    ) WHERE _rn = 1`;
}

const row = (cols: readonly ReconColumn[]) => cols.map(duckdbCanonical).join(` || '|' || `);

/** (k, r): the mart's rows as RAW says they are at the cut. */
export function expectedSql(spec: MartSpec, cut: string, schema = 'raw'): string {
  const latest = latestInCut(spec.source, cut, schema);
  const r = row(spec.columns);
  if (spec.kind === 'scd2') return `SELECT CAST(id AS VARCHAR) AS k, ${r} AS r FROM (${latest}) WHERE _op <> 'd'`;
  if (spec.kind === 'fact')
    return `SELECT CAST(id AS VARCHAR) AS k, ${r} AS r FROM (
      SELECT *, _op = 'd' AS is_deleted,
        ${money(`CASE WHEN status <> 'COMPLETED' OR _op = 'd' THEN 0 WHEN txn_type = 'DEPOSIT' THEN amount ELSE -amount END`)} AS account_balance_effect
      FROM (${latest}))`;
  // The ledger: a deposit credits its account, a withdrawal debits it, a transfer debits
  // account_id and credits related_account_id; only COMPLETED transactions move money.
  return `SELECT k, ${r} AS r FROM (
      SELECT CAST(id AS VARCHAR) || '/' || CASE WHEN txn_type = 'DEPOSIT' THEN 'CREDIT' ELSE 'DEBIT' END AS k,
             account_id, txn_type, ${money(`CASE WHEN txn_type = 'DEPOSIT' THEN amount ELSE -amount END`)} AS signed_amount, created_at
        FROM (${latest}) WHERE _op <> 'd' AND status = 'COMPLETED'
      UNION ALL
      SELECT CAST(id AS VARCHAR) || '/CREDIT', related_account_id, txn_type, ${money('amount')}, created_at
        FROM (${latest}) WHERE _op <> 'd' AND status = 'COMPLETED' AND txn_type = 'TRANSFER')`;
}

/**
 * (k, r, in_cut): every row of the mart that can hold state of the cut, flagged whether it does; a
 * fact (or ledger) row whose latest change is after the cut is returned with in_cut false.
 * `inCut(lsn, tx)` is the cut's predicate over the named columns.
 */
export function martSql(spec: MartSpec, martsSchema: string, inCut: (lsn: string, tx: string) => string): string {
  const r = row(spec.columns);
  const from = `${martsSchema}."${spec.mart}"`;
  if (spec.kind === 'scd2')
    return `SELECT CAST(${spec.key} AS VARCHAR) AS k, ${r} AS r, true AS in_cut FROM ${from}
      WHERE ${inCut('change_lsn', 'change_tx_id')} AND NOT coalesce(${inCut('valid_to_lsn', 'valid_to_tx_id')}, false)`;
  if (spec.kind === 'fact')
    return `SELECT CAST(${spec.key} AS VARCHAR) AS k, ${r} AS r, coalesce(${inCut('last_change_lsn', 'last_change_tx_id')}, false) AS in_cut FROM ${from}`;
  return `SELECT CAST(transaction_id AS VARCHAR) || '/' || leg AS k, ${r} AS r,
      coalesce(${inCut('last_change_lsn', 'last_change_tx_id')}, false) AS in_cut
      FROM (SELECT l.*, f.last_change_lsn, f.last_change_tx_id FROM ${from} AS l
              JOIN ${martsSchema}."fact_transactions" AS f ON f.transaction_id = l.transaction_id)`;
}

/** The columns a mart must have for verify to read it at a cut (a mart built before them cannot be). */
export function cutColumns(kind: MartKind): string[] {
  if (kind === 'scd2') return ['change_lsn', 'change_tx_id', 'change_loaded_at', 'valid_to_lsn', 'valid_to_tx_id'];
  return ['last_change_lsn', 'last_change_tx_id', 'last_loaded_at'];
}

/** SQL of the build's high-water `_loaded_at` for a mart. */
export function highWaterSql(spec: MartSpec, martsSchema: string): string {
  const fact = `${martsSchema}."fact_transactions"`;
  return spec.kind === 'scd2'
    ? `(SELECT max(change_loaded_at) FROM ${martsSchema}."${spec.mart}")`
    : `(SELECT max(last_loaded_at) FROM ${fact})`;
}
