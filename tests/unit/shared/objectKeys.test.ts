import { deadLetterKey, objectKey, parseObjectKey, partitionPrefix } from '../../../functions/shared/objectKeys';

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
      epoch: 0,
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

  describe('the record-identity epoch (KAFKA_EPOCH)', () => {
    const first = { table: 'accounts', date: '2026-12-06', partition: 0, firstOffset: 0, lastOffset: 9 } as const;

    it("keys a recreated topic's offset 0 apart from the older topic's, so it overwrites nothing", () => {
      const older = objectKey(first);
      const recreated = objectKey({ ...first, epoch: 2 });
      expect(recreated).toBe('accounts/date=2026-12-06/accounts+e2+0+0-9.parquet');
      expect(recreated).not.toBe(older);
      expect(parseObjectKey(recreated)).toMatchObject({
        table: 'accounts',
        partition: 0,
        firstOffset: 0n,
        lastOffset: 9n,
        epoch: 2,
      });
    });

    it('reads a key written before epochs as epoch 0, and writes epoch 0 as it was', () => {
      expect(objectKey({ ...first, epoch: 0 })).toBe('accounts/date=2026-12-06/accounts+0+0-9.parquet');
      expect(parseObjectKey('accounts/date=2026-12-06/accounts+0+0-9.parquet')).toMatchObject({ epoch: 0, partition: 0 });
    });

    it("keeps one (epoch, partition)'s keys under one prefix, apart from the other epochs' and partitions'", () => {
      const keys = [
        objectKey({ ...first, partition: 1, firstOffset: 5, lastOffset: 6 }),
        objectKey({ ...first, epoch: 1, partition: 1, firstOffset: 0, lastOffset: 3 }),
        objectKey({ ...first, epoch: 1, partition: 0, firstOffset: 0, lastOffset: 3 }),
        objectKey({ ...first, epoch: 12, partition: 1, firstOffset: 0, lastOffset: 3 }),
      ];
      const prefix = partitionPrefix({ table: 'accounts', date: '2026-12-06', partition: 1, epoch: 1 });
      expect(prefix).toBe('accounts/date=2026-12-06/accounts+e1+1+');
      expect(keys.filter((k) => k.startsWith(prefix))).toEqual([keys[1]]);
      expect(partitionPrefix({ table: 'accounts', date: '2026-12-06', partition: 1 })).toBe(
        'accounts/date=2026-12-06/accounts+1+',
      );
    });

    it('refuses an epoch that is not a non-negative 32-bit integer', () => {
      expect(() => objectKey({ ...first, epoch: -1 })).toThrow(/epoch/);
      expect(() => objectKey({ ...first, epoch: 1.5 })).toThrow(/epoch/);
      expect(parseObjectKey('accounts/date=2026-12-06/accounts+e0+0+0-9.parquet')).toBeUndefined();
      expect(parseObjectKey('accounts/date=2026-12-06/accounts+e99999999999+0+0-9.parquet')).toBeUndefined();
    });

    it('keys dead letters by epoch too', () => {
      expect(deadLetterKey('_dlq', 'banking_server.public.accounts', 0, 42, 3)).toBe(
        '_dlq/banking_server.public.accounts/e3+0-42.json',
      );
    });
  });

  it('puts dead letters at <prefix>/<topic>/<partition>-<offset>.json', () => {
    expect(deadLetterKey('_dlq', 'banking_server.public.accounts', 0, 42)).toBe('_dlq/banking_server.public.accounts/0-42.json');
    expect(deadLetterKey('_dlq/', 'banking_server.public.accounts', 2, 7n)).toBe('_dlq/banking_server.public.accounts/2-7.json');
  });
});
