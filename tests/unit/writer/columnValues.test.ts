import { decodeColumn, decodeDecimal, decodeTimestamptz } from '../../../functions/writer/decode/columnValues';
import { DecodeError } from '../../../functions/shared/errors';
import { TABLES } from '../../../functions/shared/tables';

const amount = TABLES.transactions.columns.find((c) => c.name === 'amount')!;
const createdAt = TABLES.transactions.columns.find((c) => c.name === 'created_at')!;
const related = TABLES.transactions.columns.find((c) => c.name === 'related_account_id')!;

describe('decodeDecimal (NUMERIC(18,2))', () => {
  it.each([
    ['1234.50', '1234.50'],
    ['1234.5', '1234.50'],
    ['1234', '1234.00'],
    ['0', '0.00'],
    ['-0.00', '0.00'],
    ['-0.01', '-0.01'],
    ['007.10', '7.10'],
    ['9999999999999999.99', '9999999999999999.99'],
    ['-9999999999999999.99', '-9999999999999999.99'],
  ])('%s -> %s', (raw, canonical) => {
    expect(decodeDecimal(amount, raw)).toBe(canonical);
  });

  it.each(['1.001', '99999999999999999.00', '1e3', '', '.5', '5.', ' 5', 'NaN'])('rejects %j', (raw) => {
    expect(() => decodeDecimal(amount, raw)).toThrow(DecodeError);
  });
});

describe('decodeTimestamptz (UTC microseconds)', () => {
  it.each([
    ['1970-01-01T00:00:00Z', 0n],
    ['1970-01-01T00:00:00.000001Z', 1n],
    ['1969-12-31T23:59:59.999999Z', -1n],
    ['2026-11-24T03:40:01.123456Z', 1795491601123456n],
    ['2026-11-24T03:40:01.12Z', 1795491601120000n],
    ['2026-11-24T04:40:01.123456+01:00', 1795491601123456n],
    ['2026-11-23T22:10:01.123456-05:30', 1795491601123456n],
    ['2026-11-24T03:40:01.123456000Z', 1795491601123456n],
    ['2024-02-29T12:00:00Z', 1709208000000000n],
  ])('%s -> %s', (raw, micros) => {
    expect(decodeTimestamptz(createdAt, raw)).toBe(micros);
  });

  it.each([
    '2026-11-24 03:40:01Z',
    '2026-11-24T03:40:01',
    '2026-13-01T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '2026-11-24T24:00:00Z',
    'infinity',
  ])('rejects %j', (raw) => {
    expect(() => decodeTimestamptz(createdAt, raw)).toThrow(DecodeError);
  });
});

describe('decodeColumn', () => {
  it('maps null to null for nullable columns only, and refuses an absent column (renamed or dropped upstream)', () => {
    expect(decodeColumn(related, null)).toBeNull();
    expect(() => decodeColumn(related, undefined)).toThrow(/related_account_id.*renamed or dropped/);
    expect(decodeColumn(related, 42)).toBe(42);
    expect(() => decodeColumn(amount, null)).toThrow(/amount.*required/);
  });
});
