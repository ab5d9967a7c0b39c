import { ServiceError } from '../../../functions/shared/errors';
import { loadObjects } from '../../../functions/loader/loader';
import { copyStatement, putStatement, validateTarget } from '../../../functions/loader/snowflakeSql';
import { snowflakeWarehouse, type SqlBind, type SqlConnection } from '../../../functions/loader/snowflakeWarehouse';
import { changeColumns, type TableName } from '../../../functions/shared/tables';
import { snowflakeType } from '../../../functions/loader/ddl';
import { encodeParquet, lakeKey, memoryStore, recordingLog, sampleRows } from './fixtures';

/** A fake Snowflake: records every statement and answers from a tiny script of rules. */
class FakeSnowflake implements SqlConnection {
  statements: Array<{ sql: string; binds?: readonly SqlBind[] }> = [];
  ledger = new Set<string>();
  closed = false;
  copyError: (Error & { code?: string }) | undefined;
  copyStatus = 'LOADED';

  async execute(sql: string, binds?: readonly SqlBind[]) {
    this.statements.push({ sql, binds });
    if (sql.startsWith('SELECT column_name')) return this.rawColumns(String(binds?.[1]).toLowerCase() as TableName);
    if (sql.startsWith('SELECT object_key FROM'))
      return (binds ?? []).filter((k) => this.ledger.has(String(k))).map((k) => ({ OBJECT_KEY: k }));
    if (sql.startsWith('COPY INTO')) {
      if (this.copyError) throw this.copyError;
      return [{ file: 'f', status: this.copyStatus, rows_parsed: 3, rows_loaded: this.copyStatus === 'LOADED' ? 3 : 0 }];
    }
    if (sql.startsWith('INSERT INTO BANKING_DB.RAW._loads')) this.ledger.add(String(binds?.[0]));
    return [];
  }
  /** RAW's columns as Snowflake's information_schema reports them (upper-case names, NUMBER, TEXT). */
  rawColumns(table: TableName) {
    const cols = [...changeColumns(table), ...this.added.filter((c) => c.table === table)];
    return cols.map((c) => {
      const t = 'sf' in c ? c.sf : snowflakeType(c);
      const num = /^NUMBER\((\d+),(\d+)\)$/.exec(t);
      return {
        COLUMN_NAME: c.name.toUpperCase(),
        DATA_TYPE: num ? 'NUMBER' : t.startsWith('VARCHAR') ? 'TEXT' : t.replace(/\(\d+\)$/, ''),
        NUMERIC_PRECISION: num ? Number(num[1]) : null,
        NUMERIC_SCALE: num ? Number(num[2]) : null,
      };
    });
  }
  added: Array<{ table: TableName; name: string; sf: string }> = [];
  async close() {
    this.closed = true;
  }
  sqls(): string[] {
    return this.statements.map((s) => s.sql.split('\n')[0]!.replace(/'file:\/\/[^']+'/, "'file://<tmp>'"));
  }
}

const target = { database: 'BANKING_DB', schema: 'RAW', stage: '' };
const key = lakeKey('accounts', '2024-05-01', 0, 10, 3);
const bucket = 'banking-data';

function setup(stage = '') {
  const fake = new FakeSnowflake();
  const log = recordingLog();
  const warehouse = snowflakeWarehouse({ target: { ...target, stage }, connect: async () => fake, log });
  const store = memoryStore(new Map([[`${bucket}/${key}`, encodeParquet('accounts', sampleRows('accounts', 3))]]));
  return { fake, log, deps: { warehouse, store, log } };
}

describe('Snowflake SQL', () => {
  it('PUTs to the table stage under the key folder, named as the object', () => {
    expect(putStatement(target, 'accounts', key, `/tmp/x/accounts+0+10-12.parquet`)).toBe(
      "PUT 'file:///tmp/x/accounts+0+10-12.parquet' @BANKING_DB.RAW.%accounts/accounts/date=2024-05-01/ AUTO_COMPRESS = FALSE OVERWRITE = TRUE",
    );
    expect(() => putStatement(target, 'accounts', key, '/tmp/x/other.parquet')).toThrow(
      /must be named accounts\+0\+10-12.parquet/,
    );
  });

  it('COPYs one file by column name, reading Parquet logical types, with the key as _file', () => {
    expect(copyStatement(target, 'accounts', key)).toBe(
      [
        'COPY INTO BANKING_DB.RAW."ACCOUNTS"',
        'FROM @BANKING_DB.RAW.%accounts/accounts/date=2024-05-01/',
        "FILES = ('accounts+0+10-12.parquet')",
        'FILE_FORMAT = (TYPE = PARQUET USE_LOGICAL_TYPE = TRUE)',
        'MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE',
        'INCLUDE_METADATA = (_file = METADATA$FILENAME, _loaded_at = METADATA$START_SCAN_TIME)',
        'ON_ERROR = ABORT_STATEMENT',
      ].join('\n'),
    );
    expect(copyStatement({ ...target, stage: 'LAKE.PUBLIC.BANKING_DATA' }, 'accounts', key)).toContain(
      'FROM @LAKE.PUBLIC.BANKING_DATA/accounts/date=2024-05-01/',
    );
  });

  it('refuses identifiers that would need quoting', () => {
    expect(() => validateTarget({ ...target, schema: 'RAW; DROP TABLE x' })).toThrow(/SNOWFLAKE_SCHEMA/);
    expect(() => validateTarget({ ...target, stage: "s'3" })).toThrow(/SNOWFLAKE_STAGE/);
  });
});

describe('Snowflake adapter (fake connection)', () => {
  it('creates the schema, then PUT outside and COPY + ledger inside one transaction', async () => {
    const { fake, deps } = setup();
    const report = await loadObjects([{ bucket, key }], deps);
    expect(report).toMatchObject({ loaded: 1, rows: 3, failed: 0 });
    const sqls = fake.sqls();
    expect(sqls.slice(0, 6)).toEqual([
      'CREATE SCHEMA IF NOT EXISTS BANKING_DB.RAW',
      'CREATE TABLE IF NOT EXISTS BANKING_DB.RAW."CUSTOMERS" (',
      'CREATE TABLE IF NOT EXISTS BANKING_DB.RAW."ACCOUNTS" (',
      'CREATE TABLE IF NOT EXISTS BANKING_DB.RAW."TRANSACTIONS" (',
      'CREATE TABLE IF NOT EXISTS BANKING_DB.RAW."_LOADS" (',
      'CREATE TABLE IF NOT EXISTS BANKING_DB.RAW."_LOAD_ERRORS" (',
    ]);
    expect(sqls.slice(6)).toEqual([
      'SELECT object_key FROM BANKING_DB.RAW._loads WHERE object_key IN (?)',
      // loadAll's own look-up: what the ledger has is neither staged nor read.
      'SELECT object_key FROM BANKING_DB.RAW._loads WHERE object_key IN (?)',
      "PUT 'file://<tmp>' @BANKING_DB.RAW.%accounts/accounts/date=2024-05-01/ AUTO_COMPRESS = FALSE OVERWRITE = TRUE",
      'SELECT column_name, data_type, numeric_precision, numeric_scale FROM BANKING_DB.information_schema.columns WHERE table_schema = ? AND table_name = ?',
      'BEGIN',
      'SELECT object_key FROM BANKING_DB.RAW._loads WHERE object_key IN (?)',
      'COPY INTO BANKING_DB.RAW."ACCOUNTS"',
      'INSERT INTO BANKING_DB.RAW._loads (object_key, table_name, etag, row_count, loaded_at) VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP())',
      'COMMIT',
    ]);
    const ledgerInsert = fake.statements.find((s) => s.sql.startsWith('INSERT INTO BANKING_DB.RAW._loads'))!;
    expect(ledgerInsert.binds).toEqual([key, 'accounts', expect.stringMatching(/^etag-/), 3]);
    // The connection is kept for the next invocation, and closed on release.
    expect(fake.closed).toBe(false);
    await deps.warehouse.release();
    expect(fake.closed).toBe(true);
  });

  it('an object already in the ledger is neither downloaded nor copied', async () => {
    const { fake, deps } = setup();
    fake.ledger.add(key);
    const report = await loadObjects([{ bucket, key }], deps);
    expect(report).toMatchObject({ loaded: 0, alreadyLoaded: 1 });
    expect(fake.sqls().some((s) => s.startsWith('COPY') || s.startsWith('PUT'))).toBe(false);
    expect((deps.store as ReturnType<typeof memoryStore>).downloads).toEqual([]);
  });

  it('with an external stage, COPYs straight from the bucket (downloading only to read the Parquet footer)', async () => {
    const { fake, deps } = setup('LAKE_STAGE');
    await loadObjects([{ bucket, key }], deps);
    expect(fake.sqls().some((s) => s.startsWith('PUT'))).toBe(false);
    expect(fake.statements.find((s) => s.sql.startsWith('COPY'))!.sql).toContain('FROM @LAKE_STAGE/accounts/date=2024-05-01/');
    expect((deps.store as ReturnType<typeof memoryStore>).downloads).toEqual([key]);
  });

  it('a file-content error (code 100xxx) rolls back, is recorded with its key, and does not throw', async () => {
    const { fake, deps, log } = setup();
    fake.copyError = Object.assign(new Error("Numeric value 'abc' is not recognized"), { code: '100038' });
    const report = await loadObjects([{ bucket, key }], deps);
    expect(report.failed).toBe(1);
    expect(fake.sqls()).toContain('ROLLBACK');
    expect(fake.sqls()).not.toContain('COMMIT');
    expect(fake.statements.find((s) => s.sql.includes('_load_errors (object_key'))?.binds?.[0]).toBe(key);
    expect(log.lines.find((l) => l.level === 'error')?.attrs).toMatchObject({ key, reason: expect.stringContaining('abc') });
  });

  it('any other Snowflake error rolls back and throws, so the event is retried', async () => {
    const { fake, deps } = setup();
    fake.copyError = Object.assign(new Error('Warehouse LOADER is suspended'), { code: '000606' });
    await expect(loadObjects([{ bucket, key }], deps)).rejects.toThrow(ServiceError);
    expect(fake.sqls()).toContain('ROLLBACK');
    expect(fake.ledger.size).toBe(0);
    // The failed connection is not reused: the next session closes it and connects again.
    expect(fake.closed).toBe(false);
    await (await deps.warehouse.open()).close();
    expect(fake.closed).toBe(true);
  });
});
