import { deadLetterKey, objectKey, parseObjectKey } from '../../../functions/shared/objectKeys';

describe('object keys', () => {
  it('follows the loader contract <table>/date=YYYY-MM-DD/<table>+<partition>+<first>-<last>.parquet', () => {
    expect(objectKey({ table: 'transactions', date: '2026-11-24', partition: 3, firstOffset: 120n, lastOffset: 187n })).toBe(
      'transactions/date=2026-11-24/transactions+3+120-187.parquet',
    );
    expect(objectKey({ table: 'accounts', date: '2026-01-01', partition: 0, firstOffset: 0, lastOffset: 0 })).toBe(
      'accounts/date=2026-01-01/accounts+0+0-0.parquet',
    );
  });

  it('keeps offsets beyond 2^53 exact', () => {
    const key = objectKey({
      table: 'customers',
      date: '2026-11-24',
      partition: 1,
      firstOffset: 2n ** 62n,
      lastOffset: 2n ** 62n + 5n,
    });
    expect(key).toBe('customers/date=2026-11-24/customers+1+4611686018427387904-4611686018427387909.parquet');
    expect(parseObjectKey(key)).toEqual({
      key,
      table: 'customers',
      date: '2026-11-24',
      partition: 1,
      firstOffset: 2n ** 62n,
      lastOffset: 2n ** 62n + 5n,
    });
  });

  it('parses only lake keys', () => {
    expect(parseObjectKey('transactions/date=2026-11-24/transactions+3+120-187.parquet')).toMatchObject({
      table: 'transactions',
      partition: 3,
      firstOffset: 120n,
      lastOffset: 187n,
    });
    expect(parseObjectKey('transactions/date=2026-11-24/accounts+3+120-187.parquet')).toBeUndefined();
    expect(parseObjectKey('_dlq/banking_server.public.accounts/0-5.json')).toBeUndefined();
  });

  it('refuses a malformed date or reversed offsets', () => {
    expect(() => objectKey({ table: 'accounts', date: '2026-1-1', partition: 0, firstOffset: 0, lastOffset: 1 })).toThrow(
      /YYYY-MM-DD/,
    );
    expect(() => objectKey({ table: 'accounts', date: '2026-01-01', partition: 0, firstOffset: 5, lastOffset: 1 })).toThrow(
      /first offset/,
    );
  });

  it('puts dead letters at <prefix>/<topic>/<partition>-<offset>.json', () => {
    expect(deadLetterKey('_dlq', 'banking_server.public.accounts', 0, 42)).toBe('_dlq/banking_server.public.accounts/0-42.json');
    expect(deadLetterKey('_dlq/', 'banking_server.public.accounts', 2, 7n)).toBe('_dlq/banking_server.public.accounts/2-7.json');
  });
});
