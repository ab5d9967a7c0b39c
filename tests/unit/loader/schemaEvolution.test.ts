import { duckdbWarehouse } from '../../../functions/loader/duckdbWarehouse';
import { loadObjects } from '../../../functions/loader/loader';
import { lakeColumns, snowflakeColumnType } from '../../../functions/loader/parquetColumns';
import { addColumnStatement, comparableType } from '../../../functions/loader/snowflakeSchema';
import { duckdbIdent, snowflakeLakeName } from '../../../functions/loader/identifiers';
import { widening } from '../../../functions/loader/rawColumns';
import { encodeParquet, encodeWithExtraColumns, lakeKey, memoryStore } from './fixtures';
import { recordingLog, sampleRows, scratchWarehouse, withDuckdb } from './fixtures';
import { parquetMetadata } from 'hyparquet';

const bucket = 'banking-data';
const tmp = scratchWarehouse('wh-evolve-');

const EXTRA = [
  { name: 'loyalty_tier', type: 'text' },
  { name: 'overdraft_limit', type: 'decimal', precision: 18, scale: 2 },
  { name: 'reviewed_at', type: 'timestamptz' },
  { name: 'score', type: 'int32' },
  { name: 'vip', type: 'boolean' },
  { name: 'opened_on', type: 'date' },
] as const;

function evolvedAccounts(firstOffset: number, n: number) {
  return sampleRows('accounts', n, { seed: 9, partition: 0, firstOffset }).map((r, i) => ({
    ...r,
    loyalty_tier: i % 2 ? `gold-${i}` : null,
    overdraft_limit: i === 0 ? '999999999999999.99' : `${i}.05`,
    reviewed_at: 1_714_521_600_123_456n + BigInt(i),
    score: i,
    vip: i % 3 === 0,
    opened_on: 19_800 + i,
  }));
}

async function load(objects: Map<string, Uint8Array>, keys: string[]) {
  const log = recordingLog();
  const warehouse = duckdbWarehouse({ path: tmp.dbPath, log, lock: { timeoutMs: 5_000 } });
  const report = await loadObjects(
    keys.map((key) => ({ bucket, key })),
    { warehouse, store: memoryStore(objects), log },
  );
  return { report, log };
}

describe('schema evolution in the loader (DuckDB)', () => {
  it('adds the columns RAW lacks with their exact types, loads their values, and older objects load with NULL', async () => {
    const oldKey = lakeKey('accounts', '2024-07-01', 0, 0, 4);
    const newKey = lakeKey('accounts', '2024-07-01', 0, 4, 4);
    const olderAgain = lakeKey('accounts', '2024-07-01', 0, 8, 4);
    const objects = new Map([
      [`${bucket}/${oldKey}`, encodeParquet('accounts', sampleRows('accounts', 4, { firstOffset: 0 }))],
      [`${bucket}/${newKey}`, encodeWithExtraColumns('accounts', evolvedAccounts(4, 4), EXTRA)],
      [`${bucket}/${olderAgain}`, encodeParquet('accounts', sampleRows('accounts', 4, { seed: 3, firstOffset: 8 }))],
    ]);
    // One batch (one transaction): old, evolved, then old again.
    const { report, log } = await load(objects, [oldKey, newKey, olderAgain]);
    expect(report).toMatchObject({ loaded: 3, rows: 12, failed: 0 });
    const types = await withDuckdb(tmp.dbPath, (q) =>
      q(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = 'accounts' ` +
          `AND column_name IN (${EXTRA.map((c) => `'${c.name}'`).join(', ')}) ORDER BY column_name`,
      ),
    );
    expect(types).toEqual([
      { column_name: 'loyalty_tier', data_type: 'VARCHAR' },
      { column_name: 'opened_on', data_type: 'DATE' },
      { column_name: 'overdraft_limit', data_type: 'DECIMAL(18,2)' },
      { column_name: 'reviewed_at', data_type: 'TIMESTAMP WITH TIME ZONE' },
      { column_name: 'score', data_type: 'INTEGER' },
      { column_name: 'vip', data_type: 'BOOLEAN' },
    ]);
    expect(log.lines.filter((l) => l.message === 'added a column to RAW')).toHaveLength(EXTRA.length);
    const rows = await withDuckdb(tmp.dbPath, (q) =>
      q(
        `SELECT _kafka_offset::INT AS o, loyalty_tier, overdraft_limit::VARCHAR AS limit_, epoch_us(reviewed_at)::VARCHAR AS at_, ` +
          `score, vip, opened_on::VARCHAR AS d FROM raw.accounts ORDER BY _kafka_offset`,
      ),
    );
    expect(rows.slice(4, 6)).toEqual([
      { o: 4, loyalty_tier: null, limit_: '999999999999999.99', at_: '1714521600123456', score: 0, vip: true, d: '2024-03-18' },
      { o: 5, loyalty_tier: 'gold-1', limit_: '1.05', at_: '1714521600123457', score: 1, vip: false, d: '2024-03-19' },
    ]);
    for (const r of [...rows.slice(0, 4), ...rows.slice(8)]) {
      expect(r).toMatchObject({ loyalty_tier: null, limit_: null, at_: null, score: null, vip: null, d: null });
    }
  });

  it('a column whose type differs from RAW is refused with what to do; the rest of the batch loads', async () => {
    const first = lakeKey('accounts', '2024-07-02', 0, 0, 3);
    const conflicting = lakeKey('accounts', '2024-07-02', 0, 3, 3);
    const plain = lakeKey('accounts', '2024-07-02', 0, 6, 3);
    const objects = new Map([
      [`${bucket}/${first}`, encodeWithExtraColumns('accounts', evolvedAccounts(0, 3), [EXTRA[1]])],
      [
        `${bucket}/${conflicting}`,
        encodeWithExtraColumns(
          'accounts',
          evolvedAccounts(3, 3).map((r) => ({ ...r, overdraft_limit: '12.5' })),
          [{ name: 'overdraft_limit', type: 'text' }],
        ),
      ],
      [`${bucket}/${plain}`, encodeParquet('accounts', sampleRows('accounts', 3, { firstOffset: 6 }))],
    ]);
    const { report } = await load(objects, [first, conflicting, plain]);
    expect(report).toMatchObject({ loaded: 2, rows: 6, failed: 1 });
    const failure = report.outcomes.find((o) => o.status === 'failed');
    expect(failure).toMatchObject({ key: conflicting });
    expect(failure && 'reason' in failure ? failure.reason : '').toMatch(
      /column overdraft_limit is VARCHAR in the object but DECIMAL\(18,2\) in raw\.accounts: a type change is not additive; migrate .* npm run backfill/,
    );
    const errors = await withDuckdb(tmp.dbPath, (q) => q('SELECT object_key FROM raw._load_errors'));
    expect(errors).toEqual([{ object_key: conflicting }]);
  });

  it('matches columns by name, not position', async () => {
    const key = lakeKey('customers', '2024-07-03', 0, 0, 3);
    // Same columns, reversed order in the file.
    const rows = sampleRows('customers', 3);
    const body = encodeParquet('customers', rows);
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const meta = parquetMetadata(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer);
    const cols = meta.schema.slice(1).reverse();
    const { parquetReadObjects } = await import('hyparquet');
    const data = await parquetReadObjects({ file: body.buffer as ArrayBuffer, utf8: true });
    const reversed = parquetWriteBuffer({
      schema: [{ ...meta.schema[0]!, num_children: cols.length }, ...cols],
      columnData: cols.map((c) => ({
        name: c.name,
        data: data.map((r) => (r[c.name] instanceof Date ? BigInt((r[c.name] as Date).getTime()) * 1000n : r[c.name])),
      })),
    });
    expect(cols[0]!.name).toBe('_unavailable_columns');
    const { report } = await load(new Map([[`${bucket}/${key}`, new Uint8Array(reversed)]]), [key]);
    expect(report).toMatchObject({ loaded: 1, rows: 3, failed: 0 });
    const got = await withDuckdb(tmp.dbPath, (q) => q('SELECT id, email, _kafka_offset::INT AS o FROM raw.customers ORDER BY o'));
    expect(got).toEqual(rows.map((r) => ({ id: r.id, email: r.email, o: Number(r._kafka_offset) })));
  });
});

describe('Parquet logical types to warehouse types', () => {
  it('maps each lake type to DuckDB and Snowflake types exactly', () => {
    const body = encodeWithExtraColumns('accounts', evolvedAccounts(0, 1), EXTRA);
    const meta = parquetMetadata(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer);
    const { columns, problems } = lakeColumns(meta.schema as never);
    expect(problems).toEqual([]);
    const byName = Object.fromEntries(columns.map((c) => [c.name, snowflakeColumnType(c.type)]));
    expect(byName).toMatchObject({
      balance: 'NUMBER(18,2)',
      overdraft_limit: 'NUMBER(18,2)',
      created_at: 'TIMESTAMP_TZ(6)',
      loyalty_tier: 'VARCHAR',
      id: 'NUMBER(38,0)',
      vip: 'BOOLEAN',
      opened_on: 'DATE',
    });
    const t = { database: 'BANKING_DB', schema: 'RAW', stage: '' };
    expect(
      addColumnStatement(
        t,
        'accounts',
        columns.find((c) => c.name === 'overdraft_limit')!,
      ),
    ).toBe('ALTER TABLE BANKING_DB.RAW."ACCOUNTS" ADD COLUMN IF NOT EXISTS "OVERDRAFT_LIMIT" NUMBER(18,2)');
    expect(comparableType({ DATA_TYPE: 'NUMBER', NUMERIC_PRECISION: 18, NUMERIC_SCALE: 2 })).toBe('NUMBER(18,2)');
    expect(comparableType({ DATA_TYPE: 'TEXT' })).toBe('VARCHAR');
    expect(comparableType({ DATA_TYPE: 'TIMESTAMP_TZ' })).toBe('TIMESTAMP_TZ(6)');
  });

  it('refuses types the lake never writes, naming the column', () => {
    const { problems } = lakeColumns([
      { name: 'root', num_children: 2 },
      { name: 'f', type: 'INT96' },
      { name: 'g', num_children: 1 },
    ]);
    expect(problems).toEqual([
      expect.stringMatching(/column f: Parquet INT96/),
      expect.stringMatching(/column g is a nested group/),
    ]);
  });
});

describe('evolved columns that come and go', () => {
  it('an object without an evolved column but with a newer one loads (a nullable column dropped, another added)', async () => {
    const first = lakeKey('accounts', '2024-07-04', 0, 0, 3);
    const second = lakeKey('accounts', '2024-07-04', 0, 3, 3);
    const objects = new Map([
      [`${bucket}/${first}`, encodeWithExtraColumns('accounts', evolvedAccounts(0, 3), [EXTRA[1]])],
      [`${bucket}/${second}`, encodeWithExtraColumns('accounts', evolvedAccounts(3, 3), [EXTRA[0]])],
    ]);
    const { report } = await load(objects, [first]);
    expect(report).toMatchObject({ loaded: 1, failed: 0 });
    const again = await load(objects, [second]);
    expect(again.report).toMatchObject({ loaded: 1, failed: 0 });
    const rows = await withDuckdb(tmp.dbPath, (q) =>
      q('SELECT _kafka_offset::INT AS o, overdraft_limit::VARCHAR AS l, loyalty_tier AS t FROM raw.accounts ORDER BY o'),
    );
    expect(rows.map((r) => [r.l === null, r.t === null])).toEqual([
      [false, true],
      [false, true],
      [false, true],
      [true, true],
      [true, false],
      [true, true],
    ]);
  });
});

describe('any Postgres name reaches RAW under its own name (issue 24)', () => {
  const AWKWARD = [
    { name: 'order', type: 'int32' },
    { name: 'RiskTier', type: 'text' },
    { name: 'risk score', type: 'decimal', precision: 18, scale: 2 },
  ] as const;

  it('DuckDB: a reserved word, mixed case and a space are added and loaded exactly', async () => {
    const key = lakeKey('accounts', '2024-07-04', 0, 0, 3);
    const rows = sampleRows('accounts', 3, { seed: 5, partition: 0, firstOffset: 0 }).map((r, i) => ({
      ...r,
      order: i,
      RiskTier: i === 1 ? null : `tier "${i}"`,
      'risk score': `${i}.25`,
    }));
    const { report } = await load(new Map([[`${bucket}/${key}`, encodeWithExtraColumns('accounts', rows, AWKWARD)]]), [key]);
    expect(report).toMatchObject({ loaded: 1, rows: 3, failed: 0 });
    const got = await withDuckdb(tmp.dbPath, (q) =>
      q(`SELECT "order", "RiskTier", "risk score"::VARCHAR AS s FROM raw.accounts WHERE _file = '${key}' ORDER BY _kafka_offset`),
    );
    expect(got).toEqual([
      { order: 0, RiskTier: 'tier "0"', s: '0.25' },
      { order: 1, RiskTier: null, s: '1.25' },
      { order: 2, RiskTier: 'tier "2"', s: '2.25' },
    ]);
    const names = await withDuckdb(tmp.dbPath, (q) =>
      q(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = 'accounts'`),
    );
    expect(names.map((n) => n.column_name)).toEqual(expect.arrayContaining(['order', 'RiskTier', 'risk score']));
  });

  it('Snowflake: each name is quoted; a plain name keeps the upper case unquoted SQL means', () => {
    const t = { database: 'BANKING_DB', schema: 'RAW', stage: '' };
    const stmt = (name: string) => addColumnStatement(t, 'accounts', { name, type: { kind: 'int32' } });
    expect(stmt('order')).toBe('ALTER TABLE BANKING_DB.RAW."ACCOUNTS" ADD COLUMN IF NOT EXISTS "ORDER" NUMBER(38,0)');
    expect(stmt('RiskTier')).toBe('ALTER TABLE BANKING_DB.RAW."ACCOUNTS" ADD COLUMN IF NOT EXISTS "RiskTier" NUMBER(38,0)');
    expect(stmt('risk score')).toBe('ALTER TABLE BANKING_DB.RAW."ACCOUNTS" ADD COLUMN IF NOT EXISTS "risk score" NUMBER(38,0)');
    expect(stmt('say "hi"')).toBe('ALTER TABLE BANKING_DB.RAW."ACCOUNTS" ADD COLUMN IF NOT EXISTS "say ""hi""" NUMBER(38,0)');
    // What information_schema reports maps back to the lake's name.
    expect(['ORDER', 'RiskTier', 'risk score', '_KAFKA_OFFSET'].map(snowflakeLakeName)).toEqual([
      'order',
      'RiskTier',
      'risk score',
      '_kafka_offset',
    ]);
    expect(duckdbIdent('say "hi"')).toBe('"say ""hi"""');
  });
});

describe('a column widened upstream stays one column in RAW (issue 24)', () => {
  it('DuckDB: INTEGER -> BIGINT and DECIMAL(18,2) -> DECIMAL(20,2) widen RAW; older narrow objects still load', async () => {
    const rows = (firstOffset: number, big: boolean) =>
      sampleRows('accounts', 2, { seed: 11, partition: 0, firstOffset }).map((r, i) => ({
        ...r,
        points: big ? 3_000_000_000n + BigInt(i) : i,
        limit_amt: big ? `123456789012345678.0${i}` : `1.0${i}`,
      }));
    const narrow = [
      { name: 'points', type: 'int32' },
      { name: 'limit_amt', type: 'decimal', precision: 18, scale: 2 },
    ] as const;
    const wide = [
      { name: 'points', type: 'int64' },
      { name: 'limit_amt', type: 'decimal', precision: 20, scale: 2 },
    ] as const;
    const k1 = lakeKey('accounts', '2024-07-05', 0, 0, 2);
    const k2 = lakeKey('accounts', '2024-07-05', 0, 2, 2);
    const k3 = lakeKey('accounts', '2024-07-05', 0, 4, 2);
    const objects = new Map([
      [`${bucket}/${k1}`, encodeWithExtraColumns('accounts', rows(0, false), narrow)],
      [`${bucket}/${k2}`, encodeWithExtraColumns('accounts', rows(2, true), wide)],
      [`${bucket}/${k3}`, encodeWithExtraColumns('accounts', rows(4, false), narrow)],
    ]);
    expect((await load(objects, [k1])).report).toMatchObject({ loaded: 1, failed: 0 });
    const { report, log } = await load(objects, [k2, k3]);
    expect(report).toMatchObject({ loaded: 2, failed: 0 });
    expect(log.lines.filter((l) => l.message === 'widened a RAW column').map((l) => l.attrs.column)).toEqual([
      'points',
      'limit_amt',
    ]);
    const got = await withDuckdb(tmp.dbPath, (q) =>
      q(
        `SELECT CAST(points AS VARCHAR) AS p, CAST(limit_amt AS VARCHAR) AS l FROM raw.accounts WHERE _file LIKE '%2024-07-05%' ORDER BY _file, _kafka_offset`,
      ),
    );
    expect(got).toEqual([
      { p: '0', l: '1.00' },
      { p: '1', l: '1.01' },
      { p: '3000000000', l: '123456789012345678.00' },
      { p: '3000000001', l: '123456789012345678.01' },
      { p: '0', l: '1.00' },
      { p: '1', l: '1.01' },
    ]);
    const types = await withDuckdb(tmp.dbPath, (q) =>
      q(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = 'accounts' AND column_name IN ('points', 'limit_amt') ORDER BY column_name`,
      ),
    );
    expect(types).toEqual([
      { column_name: 'limit_amt', data_type: 'DECIMAL(20,2)' },
      { column_name: 'points', data_type: 'BIGINT' },
    ]);
  });

  it('a new scale is not a widening: refused', () => {
    expect(widening('DECIMAL(18,2)', 'DECIMAL(20,3)')).toBeUndefined();
    expect(widening('NUMBER(18,2)', 'NUMBER(20,2)')).toBe('wider');
    expect(widening('BIGINT', 'INTEGER')).toBe('narrower');
    expect(widening('VARCHAR', 'BIGINT')).toBeUndefined();
  });
});
