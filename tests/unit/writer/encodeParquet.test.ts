import { encodeParquet } from '../../../functions/writer';
import type { ChangeRow } from '../../../functions/shared/rows';
import { changeColumns, TABLE_NAMES } from '../../../functions/shared/tables';
import { decodedFixtureRows } from './decodedFixtureRows';
import { readParquetRows } from './readParquetWithDuckdb';

const fixtures = decodedFixtureRows(true);

describe('encodeParquet round trip through DuckDB read_parquet', () => {
  it.each(TABLE_NAMES)('gives back every recorded %s row, every value exact', async (table) => {
    const rows = fixtures[table];
    expect(rows.length).toBeGreaterThan(3);
    expect(rows.some((r) => r._op === 'r')).toBe(true);
    const { rows: back } = await readParquetRows(table, encodeParquet(table, rows));
    expect(back).toEqual(rows);
  });

  it('keeps nulls, extremes of every type, and text that is not ASCII', async () => {
    const base = fixtures.transactions[0]!;
    const rows: ChangeRow[] = [
      { ...base, amount: '-9999999999999999.99', related_account_id: null, _tx_id: null, _kafka_offset: 10n },
      { ...base, amount: '9999999999999999.99', related_account_id: 2147483647, id: 2n ** 62n, _kafka_offset: 11n },
      { ...base, amount: '0.00', account_id: -2147483648, created_at: -62135596800000000n, txn_type: '', _kafka_offset: 12n }, // 0001-01-01
      { ...base, amount: '0.01', created_at: 253402300799999999n, status: 'Ünïcødé ✓ 😀', _kafka_offset: 13n }, // 9999-12-31T23:59:59.999999
    ];
    const { rows: back } = await readParquetRows('transactions', encodeParquet('transactions', rows));
    expect(back).toEqual(rows);
    expect(back.map((r) => r.related_account_id)).toEqual([null, 2147483647, base.related_account_id, base.related_account_id]);
  });

  it('writes the schema the loader expects: logical types, required and optional', async () => {
    const { schema, duckTypes } = await readParquetRows('transactions', encodeParquet('transactions', fixtures.transactions));
    const byName = Object.fromEntries(schema.map((s) => [s.name, s]));
    expect(schema.slice(1).map((s) => s.name)).toEqual(changeColumns('transactions').map((c) => c.name));
    expect(byName.amount).toMatchObject({ type: 'INT64', converted_type: 'DECIMAL', repetition_type: 'REQUIRED' });
    expect(byName.amount!.logical_type).toMatch(/DecimalType\(scale=2, precision=18\)/);
    expect(byName.created_at).toMatchObject({ type: 'INT64', converted_type: 'TIMESTAMP_MICROS' });
    expect(byName.created_at!.logical_type).toMatch(/isAdjustedToUTC=1.*MICROS=MicroSeconds/);
    expect(byName.txn_type).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8' });
    expect(byName.related_account_id!.repetition_type).toBe('OPTIONAL');
    expect(byName._tx_id!.repetition_type).toBe('OPTIONAL');
    expect(byName._kafka_offset).toMatchObject({ type: 'INT64', repetition_type: 'REQUIRED' });
    expect(duckTypes).toMatchObject({
      id: 'BIGINT',
      account_id: 'INTEGER',
      amount: 'DECIMAL(18,2)',
      created_at: 'TIMESTAMP WITH TIME ZONE',
      _op: 'VARCHAR',
      _kafka_partition: 'INTEGER',
    });
  });

  it('is deterministic: the same rows give the same bytes', () => {
    const a = encodeParquet('accounts', fixtures.accounts);
    const b = encodeParquet(
      'accounts',
      fixtures.accounts.map((r) => ({ ...r })),
    );
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('refuses money that is a float or not at the column scale, and nulls in required columns', () => {
    const base = fixtures.transactions[0]!;
    expect(() => encodeParquet('transactions', [{ ...base, amount: 12.5 }])).toThrow(/amount/);
    expect(() => encodeParquet('transactions', [{ ...base, amount: '12.5' }])).toThrow(/not canonical with scale 2/);
    expect(() => encodeParquet('transactions', [{ ...base, created_at: 5 }])).toThrow(/created_at/);
    expect(() => encodeParquet('transactions', [{ ...base, status: null }])).toThrow(/status is required/);
  });
});
