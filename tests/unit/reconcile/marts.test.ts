/**
 * verify's marts check (functions/reconcile/marts.ts, martCut.ts, martSql.ts) on a DuckDB with RAW
 * change rows and the marts dbt built from them (the columns and values dbt's models give; built at
 * `t2`, before one more load at `t3`): the cut W' stops below the first change loaded after the
 * build and below a transaction it would split; the SCD2 version valid at the cut is picked by the
 * changes that opened and closed it (a transaction in progress at the snapshot is not seen); a fact
 * row changed after the cut is left out; and a changed amount or a deleted dim row is named with its
 * mart, key, column and the lake object behind RAW's value.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { verifyMarts, compareMart } from '../../../functions/reconcile/marts';
import { numberToLsn } from '../../../functions/reconcile/martCut';
import type { Watermark } from '../../../functions/reconcile/watermark';

// Snapshot xmin 100, xmax 110, transaction 105 in progress; WAL position 1000.
const W: Watermark = { lsn: '0/3E8', lsnNumber: '1000', snapshot: '100:110:105' };
const T = {
  t1: "TIMESTAMPTZ '2026-12-07 01:00:00+00'",
  t2: "TIMESTAMPTZ '2026-12-07 02:00:00+00'",
  t3: "TIMESTAMPTZ '2026-12-07 03:00:00+00'",
};
const CREATED = "TIMESTAMPTZ '2026-12-06 10:00:00+00'";
/** Commit times: this plus the change's LSN, in ms. */
const TS_MS = 1_796_500_000_000;
const committed = (lsn: number) => `make_timestamptz(${(TS_MS + lsn) * 1000})`;

const RAW_CDC = `_op VARCHAR, _lsn BIGINT, _tx_id BIGINT, _source_ts_ms BIGINT, _kafka_topic VARCHAR, _kafka_partition INTEGER, _kafka_offset BIGINT, _file VARCHAR, _loaded_at TIMESTAMPTZ`;
const cdc = (table: string, op: string, lsn: number, tx: number, loaded: keyof typeof T) =>
  `'${op}', ${lsn}, ${tx}, ${TS_MS + lsn}, 'banking_server.public.${table}', 0, ${lsn}, '${table}/date=2026-12-07/${table}+0+${lsn}-${lsn}.parquet', ${T[loaded]}`;

async function fixture(db: DuckDBConnection): Promise<void> {
  await db.run(`CREATE SCHEMA raw; CREATE SCHEMA marts;
    CREATE TABLE raw.customers (id INTEGER, first_name VARCHAR, last_name VARCHAR, email VARCHAR, created_at TIMESTAMPTZ, ${RAW_CDC});
    CREATE TABLE raw.accounts (id INTEGER, customer_id INTEGER, account_type VARCHAR, balance DECIMAL(18,2), currency VARCHAR, status VARCHAR, created_at TIMESTAMPTZ, ${RAW_CDC});
    CREATE TABLE raw.transactions (id BIGINT, account_id INTEGER, txn_type VARCHAR, amount DECIMAL(18,2), related_account_id INTEGER, status VARCHAR, created_at TIMESTAMPTZ, ${RAW_CDC})`);
  const acct = (id: number, balance: string, op: string, lsn: number, tx: number, loaded: keyof typeof T, customer = 1) =>
    `(${id}, ${customer}, 'CHECKING', ${balance}, 'EUR', 'OPEN', ${CREATED}, ${cdc('accounts', op, lsn, tx, loaded)})`;
  const cust = (id: number, email: string, op: string, lsn: number, tx: number, loaded: keyof typeof T) =>
    `(${id}, 'Ann', 'Lee', '${email}', ${CREATED}, ${cdc('customers', op, lsn, tx, loaded)})`;
  // Customers: 2's update is loaded after the build (cut 609).
  await db.run(`INSERT INTO raw.customers VALUES
    ${cust(1, 'a@x', 'c', 50, 80, 't1')}, ${cust(2, 'b@x', 'c', 60, 81, 't1')}, ${cust(2, 'b2@x', 'u', 610, 106, 't3')},
    ${cust(3, 'c@x', 'c', 70, 82, 't1')}`);
  await db.run(`INSERT INTO raw.accounts VALUES
    ${acct(1, '10.00', 'c', 100, 90, 't1')}, ${acct(1, '20.00', 'u', 200, 95, 't1')}, ${acct(1, '30.00', 'u', 600, 101, 't3')},
    ${acct(2, '5.00', 'c', 150, 91, 't1')}, ${acct(2, '6.00', 'u', 300, 105, 't2')},
    ${acct(3, '1.00', 'c', 250, 96, 't1')}, ${acct(3, '1.00', 'd', 400, 97, 't2')},
    ${acct(4, '1.00', 'c', 450, 98, 't2')}, ${acct(4, '2.00', 'u', 700, 98, 't2')},
    ${acct(5, '100.00', 'c', 160, 85, 't1', 3)}, ${acct(5, '95.00', 'u', 170, 86, 't1', 3)}`);
  const txn = (
    id: number,
    type: string,
    amount: string,
    related: string,
    status: string,
    op: string,
    lsn: number,
    tx: number,
    loaded: keyof typeof T,
  ) => `(${id}, 1, '${type}', ${amount}, ${related}, '${status}', ${CREATED}, ${cdc('transactions', op, lsn, tx, loaded)})`;
  await db.run(`INSERT INTO raw.transactions VALUES
    ${txn(10, 'DEPOSIT', '5.00', 'NULL', 'COMPLETED', 'c', 120, 92, 't1')},
    ${txn(11, 'TRANSFER', '7.50', '2', 'COMPLETED', 'c', 130, 93, 't1')}, ${txn(11, 'TRANSFER', '7.50', '2', 'FAILED', 'u', 800, 102, 't2')},
    ${txn(12, 'TRANSFER', '3.00', '2', 'COMPLETED', 'c', 140, 94, 't1')}, ${txn(12, 'TRANSFER', '3.00', '2', 'FAILED', 'u', 900, 103, 't3')},
    ${txn(13, 'DEPOSIT', '1.00', 'NULL', 'COMPLETED', 'c', 950, 104, 't2')},
    (14, 5, 'WITHDRAWAL', 5.00, NULL, 'COMPLETED', ${CREATED}, ${cdc('transactions', 'c', 165, 86, 't1')})`);
  // What dbt built at t2 (everything but the two changes loaded at t3).
  await db.run(`CREATE TABLE marts.dim_customers (customer_id INTEGER, first_name VARCHAR, last_name VARCHAR, email VARCHAR, created_at TIMESTAMPTZ,
      change_lsn BIGINT, change_tx_id BIGINT, change_loaded_at TIMESTAMPTZ, valid_to_lsn BIGINT, valid_to_tx_id BIGINT);
    INSERT INTO marts.dim_customers VALUES
      (1, 'Ann', 'Lee', 'a@x', ${CREATED}, 50, 80, ${T.t1}, NULL, NULL), (2, 'Ann', 'Lee', 'b@x', ${CREATED}, 60, 81, ${T.t1}, NULL, NULL),
      (3, 'Ann', 'Lee', 'c@x', ${CREATED}, 70, 82, ${T.t1}, NULL, NULL);
    CREATE TABLE marts.dim_accounts (account_id INTEGER, customer_id INTEGER, account_type VARCHAR, balance DECIMAL(18,2), currency VARCHAR, status VARCHAR, created_at TIMESTAMPTZ,
      change_lsn BIGINT, change_tx_id BIGINT, change_loaded_at TIMESTAMPTZ, valid_to_lsn BIGINT, valid_to_tx_id BIGINT)`);
  const version = (id: number, balance: string, lsn: number, tx: number, next: string, customer = 1) =>
    `(${id}, ${customer}, 'CHECKING', ${balance}, 'EUR', 'OPEN', ${CREATED}, ${lsn}, ${tx}, ${lsn > 250 ? T.t2 : T.t1}, ${next})`;
  await db.run(`INSERT INTO marts.dim_accounts VALUES
    ${version(1, '10.00', 100, 90, '200, 95')}, ${version(1, '20.00', 200, 95, 'NULL, NULL')},
    ${version(2, '5.00', 150, 91, '300, 105')}, ${version(2, '6.00', 300, 105, 'NULL, NULL')},
    ${version(3, '1.00', 250, 96, '400, 97')},
    ${version(4, '2.00', 700, 98, 'NULL, NULL')},
    ${version(5, '100.00', 160, 85, '170, 86', 3)}, ${version(5, '95.00', 170, 86, 'NULL, NULL', 3)}`);
  await db.run(`CREATE TABLE marts.fact_transactions (transaction_id BIGINT, account_id INTEGER, related_account_id INTEGER, txn_type VARCHAR, status VARCHAR,
      amount DECIMAL(18,2), account_balance_effect DECIMAL(18,2), created_at TIMESTAMPTZ, is_deleted BOOLEAN,
      last_change_lsn BIGINT, last_change_tx_id BIGINT, last_loaded_at TIMESTAMPTZ);
    INSERT INTO marts.fact_transactions VALUES
      (10, 1, NULL, 'DEPOSIT', 'COMPLETED', 5.00, 5.00, ${CREATED}, false, 120, 92, ${T.t1}),
      (11, 1, 2, 'TRANSFER', 'FAILED', 7.50, 0.00, ${CREATED}, false, 800, 102, ${T.t2}),
      (12, 1, 2, 'TRANSFER', 'COMPLETED', 3.00, -3.00, ${CREATED}, false, 140, 94, ${T.t1}),
      (13, 1, NULL, 'DEPOSIT', 'COMPLETED', 1.00, 1.00, ${CREATED}, false, 950, 104, ${T.t2}),
      (14, 5, NULL, 'WITHDRAWAL', 'COMPLETED', 5.00, -5.00, ${CREATED}, false, 165, 86, ${T.t1});
    CREATE TABLE marts.account_ledger (transaction_id BIGINT, account_id INTEGER, txn_type VARCHAR, leg VARCHAR, signed_amount DECIMAL(18,2), created_at TIMESTAMPTZ);
    INSERT INTO marts.account_ledger VALUES
      (10, 1, 'DEPOSIT', 'CREDIT', 5.00, ${CREATED}), (12, 1, 'TRANSFER', 'DEBIT', -3.00, ${CREATED}),
      (12, 2, 'TRANSFER', 'CREDIT', 3.00, ${CREATED}), (13, 1, 'DEPOSIT', 'CREDIT', 1.00, ${CREATED}),
      (14, 5, 'WITHDRAWAL', 'DEBIT', -5.00, ${CREATED})`);
  // customer_360 as the model made it at t2; customer 1's accounts changed after the cut (2 by transaction 105, 4 at 700).
  await db.run(`CREATE TABLE marts.customer_360 (customer_id INTEGER, first_name VARCHAR, last_name VARCHAR, email VARCHAR, created_at TIMESTAMPTZ,
      profile_updated_at TIMESTAMPTZ, profile_versions BIGINT, account_count BIGINT, open_account_count BIGINT, balance_currency VARCHAR,
      total_balance DECIMAL(18,2), balances_by_currency VARCHAR, transaction_count BIGINT, failed_transaction_count BIGINT,
      first_transaction_at TIMESTAMPTZ, last_transaction_at TIMESTAMPTZ, inputs_loaded_through TIMESTAMPTZ);
    INSERT INTO marts.customer_360 VALUES
      (1, 'Ann', 'Lee', 'a@x', ${CREATED}, ${committed(50)}, 1, 3, 3, 'EUR', 28.00, 'EUR 28.00', 4, 1, ${CREATED}, ${CREATED}, ${T.t2}),
      (2, 'Ann', 'Lee', 'b@x', ${CREATED}, ${committed(60)}, 1, 0, 0, NULL, NULL, NULL, 0, 0, NULL, NULL, ${T.t2}),
      (3, 'Ann', 'Lee', 'c@x', ${CREATED}, ${committed(70)}, 1, 1, 1, 'EUR', 95.00, 'EUR 95.00', 1, 0, ${CREATED}, ${CREATED}, ${T.t2})`);
}

async function withFixture<T>(fn: (db: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    await fixture(db);
    return await fn(db);
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

test('the marts match RAW at the cut their build allows', async () => {
  const r = await withFixture((db) => verifyMarts(db, W));
  // accounts: the first change loaded after the build is at 600, and transaction 98 (450 and 700) would be split at 599.
  expect(r.cuts.accounts).toMatchObject({ lsnNumber: '449', lsn: numberToLsn(449n) });
  // transactions: the change loaded after the build is at 900.
  expect(r.cuts.transactions).toMatchObject({ lsnNumber: '899' });
  expect(r.first).toBeUndefined();
  expect(r.cuts.customers).toMatchObject({ lsnNumber: '609' });
  expect(r).toMatchObject({ ok: true, built: true, notBuilt: [], oldLayout: [], stale: [] });
  // Account 1 at balance 20.00, account 2 before the in-progress transaction 105, account 3 deleted at 400, account 5.
  expect(r.marts.dim_accounts).toMatchObject({ rows: 3, missing: 0, extra: 0, different: 0 });
  expect(r.marts.dim_customers).toMatchObject({ rows: 3, different: 0 });
  // Transaction 13's latest change (950) is after the cut: left out, not a difference.
  expect(r.marts.fact_transactions).toMatchObject({ rows: 4, different: 0, afterCut: 1 });
  expect(r.marts.account_ledger).toMatchObject({ rows: 4, different: 0, missing: 0, extra: 0 });
  // Customer 1's accounts changed after the cut: only 2 and 3 are compared.
  expect(r.marts.customer_360).toMatchObject({ rows: 2, different: 0, missing: 0, extra: 0, afterCut: 1 });
});

test('a changed amount in the fact is named with its mart, key, column and object', async () => {
  const r = await withFixture(async (db) => {
    await db.run(`UPDATE marts.fact_transactions SET amount = 5.01 WHERE transaction_id = 10`);
    return verifyMarts(db, W);
  });
  expect(r.ok).toBe(false);
  expect(r.marts.fact_transactions).toMatchObject({ different: 1 });
  expect(r.first).toMatchObject({
    mart: 'fact_transactions',
    key: '10',
    column: 'amount',
    origin: { object: 'transactions/date=2026-12-07/transactions+0+120-120.parquet', lsn: '120', op: 'c' },
  });
  expect(r.first!.actual.split('|')).toContain('5.01');
  expect(r.first!.expected.split('|')).toContain('5.00');
});

test('a deleted dim row is named as missing from the mart', async () => {
  const r = await withFixture(async (db) => {
    await db.run(`DELETE FROM marts.dim_accounts WHERE account_id = 2 AND change_lsn = 150`);
    return verifyMarts(db, W);
  });
  expect(r.ok).toBe(false);
  expect(r.first).toMatchObject({ mart: 'dim_accounts', key: '2', column: '(row missing in the mart)' });
  expect(r.first!.origin).toMatchObject({ lsn: '150' });
});

test('a changed total in customer_360 is named with its key and column; built from older marts, it is not compared', async () => {
  const r = await withFixture(async (db) => {
    await db.run(`UPDATE marts.customer_360 SET total_balance = 95.01 WHERE customer_id = 3`);
    return verifyMarts(db, W);
  });
  expect(r.ok).toBe(false);
  expect(r.first).toMatchObject({ mart: 'customer_360', key: '3', column: 'total_balance', origin: { lsn: '70' } });
  const stale = await withFixture(async (db) => {
    await db.run(`UPDATE marts.customer_360 SET total_balance = 95.01, inputs_loaded_through = ${T.t1}`);
    return verifyMarts(db, W);
  });
  expect(stale).toMatchObject({ ok: true, stale: ['customer_360'] });
  expect(stale.marts.customer_360).toBeUndefined();
});

test('a mart built before it carried its change LSNs is named, not compared', async () => {
  const r = await withFixture(async (db) => {
    await db.run(`ALTER TABLE marts.dim_customers DROP COLUMN change_tx_id`);
    return verifyMarts(db, W);
  });
  expect(r).toMatchObject({ ok: true, oldLayout: ['dim_customers', 'customer_360'] });
});

test('marts not built yet are said, not failed', async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    await db.run(`CREATE SCHEMA raw`);
    expect(await verifyMarts(db, W)).toMatchObject({ ok: true, built: false, marts: {} });
  } finally {
    db.closeSync();
    instance.closeSync();
  }
});

test('compareMart: a version valid twice at the cut, and a row the mart has that RAW has not', () => {
  const expected = new Map([
    ['1', 'a'],
    ['2', 'b'],
  ]);
  const twice = compareMart(expected, [
    { k: '1', r: 'a', inCut: true },
    { k: '1', r: 'a', inCut: true },
    { k: '2', r: 'b', inCut: true },
  ]);
  expect(twice.first).toMatchObject({ key: '1', twice: true });
  const extra = compareMart(expected, [
    { k: '1', r: 'a', inCut: true },
    { k: '2', r: 'b', inCut: true },
    { k: '3', r: 'c', inCut: true },
  ]);
  expect(extra.diff).toMatchObject({ rows: 2, extra: 1 });
  expect(extra.first).toMatchObject({ key: '3', actual: 'c' });
});
