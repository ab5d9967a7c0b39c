import { decodeLakeEventKey, isLoadableKey, parseLakeKey, prefixesForDates } from '../../../functions/shared/objectKeys';

describe('S3 event keys', () => {
  it('decodes %2B to + and + to space, as S3 and MinIO encode keys', () => {
    expect(decodeLakeEventKey('accounts/date%3D2024-05-01/accounts%2B0%2B10-19.parquet')).toBe(
      'accounts/date=2024-05-01/accounts+0+10-19.parquet',
    );
    expect(decodeLakeEventKey('odd%20name%C3%A9.parquet')).toBe('odd nameé.parquet');
    // MinIO's own bucket notifications send the key with its `+` unescaped, as recorded from MinIO
    expect(decodeLakeEventKey('accounts/date=2026-11-24/accounts+0+0-499.parquet')).toBe(
      'accounts/date=2026-11-24/accounts+0+0-499.parquet',
    );
  });

  it('loads only .parquet outside the dead-letter prefix', () => {
    expect(isLoadableKey('accounts/date=2024-05-01/accounts+0+1-2.parquet')).toBe(true);
    expect(isLoadableKey('_dlq/banking_server.public.accounts/0-5.json')).toBe(false);
    expect(isLoadableKey('_dlq/x.parquet')).toBe(false);
    expect(isLoadableKey('accounts/date=2024-05-01/notes.txt')).toBe(false);
    expect(isLoadableKey('dead/x.parquet', 'dead')).toBe(false);
  });
});

describe('parseLakeKey', () => {
  it('reads table, date, partition and offsets', () => {
    expect(parseLakeKey('transactions/date=2024-05-01/transactions+3+9007199254740993-9007199254740999.parquet')).toEqual({
      key: 'transactions/date=2024-05-01/transactions+3+9007199254740993-9007199254740999.parquet',
      table: 'transactions',
      date: '2024-05-01',
      partition: 3,
      firstOffset: 9007199254740993n,
      lastOffset: 9007199254740999n,
      epoch: 0,
    });
  });

  it('reads a table tables.ts does not declare (any captured table)', () => {
    expect(parseLakeKey('Loan_risk2/date=2024-05-01/Loan_risk2+0+1-2.parquet')).toMatchObject({
      table: 'Loan_risk2',
      partition: 0,
    });
  });

  it.each([
    ['risk score/date=2024-05-01/risk score+0+1-2.parquet', /does not match/],
    ['accounts/date=2024-05-01/customers+0+1-2.parquet', /differs from folder/],
    ['accounts/2024-05-01/accounts+0+1-2.parquet', /does not match/],
    ['accounts/date=2024-05-01/accounts+0+9-2.parquet', /last offset precedes/],
  ])('rejects %s with a reason', (key, reason) => {
    expect(() => parseLakeKey(key)).toThrow(reason);
  });
});

describe('prefixesForDates', () => {
  it('lists one prefix per table and day, both ends included', () => {
    expect(prefixesForDates('2024-02-28', '2024-03-01', ['accounts'])).toEqual([
      'accounts/date=2024-02-28/',
      'accounts/date=2024-02-29/',
      'accounts/date=2024-03-01/',
    ]);
    expect(prefixesForDates('2024-05-01', '2024-05-01')).toHaveLength(3);
  });

  it('rejects reversed or malformed ranges', () => {
    expect(() => prefixesForDates('2024-05-02', '2024-05-01')).toThrow(/before --from/);
    expect(() => prefixesForDates('2024-5-1', '2024-05-01')).toThrow(/YYYY-MM-DD/);
  });
});
