import { ServiceError } from '../../../functions/shared/errors';
import { loadObjects } from '../../../functions/loader/loader';
import { copyStatement, putStatement, validateTarget } from '../../../functions/loader/snowflakeSql';
import { snowflakeWarehouse, timeoutsFor, type SqlBind, type SqlConnection } from '../../../functions/loader/snowflakeWarehouse';
import { changeColumns, type DeclaredTable, type TableName } from '../../../functions/shared/tables';
import { snowflakeType } from '../../../functions/loader/ddl';
import { encodeParquet, lakeKey, memoryStore, recordingLog, sampleRows } from './fixtures';
import type { ChangeRow } from '../../../functions/shared/rows';

/** A fake Snowflake: records every statement and answers from a tiny script of rules. */
class FakeSnowflake implements SqlConnection {
  statements: Array<{ sql: string; binds?: readonly SqlBind[] }> = [];
  ledger = new Set<string>();
  closed = false;
  copyError: (Error & { code?: string }) | undefined;
  /** Files Snowflake's load metadata says were loaded: COPY skips them unless FORCE. */
  loadHistory = new Set<string>();
  /** The rows of each staged file (what COPY appends to RAW), by key. */
  contents = new Map<string, ChangeRow[]>();
  /** RAW's rows, each with its `_file`. */
  raw: Array<{ file: string; row: ChangeRow }> = [];
  rawAtBegin = 0;

  async execute(sql: string, binds?: readonly SqlBind[]) {
    this.statements.push({ sql, binds });
    if (sql === 'BEGIN') this.rawAtBegin = this.raw.length;
    if (sql === 'ROLLBACK') this.raw.length = this.rawAtBegin;
    if (sql.startsWith('SELECT column_name')) return this.rawColumns(String(binds?.[1]).toLowerCase() as TableName);
    if (sql.startsWith('SELECT object_key FROM'))
      return (binds ?? []).filter((k) => this.ledger.has(String(k))).map((k) => ({ OBJECT_KEY: k }));
    if (sql.startsWith('COPY INTO')) {
      if (this.copyError) throw this.copyError;
      const files = [.../FILES = \(([^)]*)\)/.exec(sql)![1]!.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
      const force = sql.includes('FORCE = TRUE');
      const rows = files.flatMap((f) => {
        if (this.loadHistory.has(f) && !force) return [];
        this.loadHistory.add(f);
        for (const row of this.contents.get(f) ?? []) this.raw.push({ file: f, row });
        return [{ file: f, status: 'LOADED', rows_parsed: 3, rows_loaded: 3 }];
      });
      // What Snowflake answers when every file was skipped.
      return rows.length ? rows : [{ status: 'Copy executed with 0 files processed.' }];
    }
    if (sql.startsWith('INSERT INTO BANKING_DB.RAW._loads'))
      for (let i = 0; i < (binds?.length ?? 0); i += 5) this.ledger.add(String(binds![i]));
    // The manifest check's read-back of what COPY loaded, answered as Snowflake does (upper-case names, text).
    if (sql.startsWith('SELECT _file AS file')) {
      const files = new Set((binds ?? []).map(String));
      return this.raw
        .filter((r) => files.has(r.file))
        .map(({ file, row }) => ({
          FILE: file,
          K0: String(row.id),
          LSN: String(row._lsn),
          OP: row._op,
          TOPIC: row._kafka_topic,
          PART: String(row._kafka_partition),
          OFF: String(row._kafka_offset),
          ...('balance' in row ? { M0: row.balance } : 'amount' in row ? { M0: row.amount } : {}),
        }));
    }
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
  const rows = sampleRows('accounts', 3);
  fake.contents.set(key, rows);
  const store = memoryStore(new Map([[`${bucket}/${key}`, encodeParquet('accounts', rows)]]));
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
    expect(copyStatement(target, 'accounts', [key])).toBe(
      [
        'COPY INTO BANKING_DB.RAW."ACCOUNTS"',
        'FROM @BANKING_DB.RAW.%accounts/',
        "FILES = ('accounts/date=2024-05-01/accounts+0+10-12.parquet')",
        'FILE_FORMAT = (TYPE = PARQUET USE_LOGICAL_TYPE = TRUE)',
        'MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE',
        'INCLUDE_METADATA = (_file = METADATA$FILENAME, _loaded_at = METADATA$START_SCAN_TIME)',
        'ON_ERROR = ABORT_STATEMENT',
      ].join('\n'),
    );
    expect(copyStatement({ ...target, stage: 'LAKE.PUBLIC.BANKING_DATA' }, 'accounts', [key])).toContain(
      'FROM @LAKE.PUBLIC.BANKING_DATA/\n',
    );
    expect(copyStatement(target, 'accounts', [key], { force: true })).toMatch(/\nFORCE = TRUE$/);
    expect(() => copyStatement(target, 'accounts', Array(1001).fill(key))).toThrow(/1 to 1000 files/);
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
    expect(sqls.slice(0, 7)).toEqual([
      'CREATE SCHEMA IF NOT EXISTS BANKING_DB.RAW',
      'CREATE TABLE IF NOT EXISTS BANKING_DB.RAW."CUSTOMERS" (',
      'CREATE TABLE IF NOT EXISTS BANKING_DB.RAW."ACCOUNTS" (',
      'CREATE TABLE IF NOT EXISTS BANKING_DB.RAW."TRANSACTIONS" (',
      'CREATE TABLE IF NOT EXISTS BANKING_DB.RAW."_LOADS" (',
      'CREATE TABLE IF NOT EXISTS BANKING_DB.RAW."_LOAD_ERRORS" (',
      'CREATE TABLE IF NOT EXISTS BANKING_DB.RAW."_SWEEP_MARKS" (',
    ]);
    expect(sqls.slice(7)).toEqual([
      'ALTER TABLE BANKING_DB.RAW."_LOADS" ADD COLUMN IF NOT EXISTS "MANIFEST" VARCHAR',
      'ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = 3600 LOCK_TIMEOUT = 300',
      'SELECT object_key FROM BANKING_DB.RAW._loads WHERE object_key IN (?)',
      // loadAll's own look-up: what the ledger has is neither staged nor read.
      'SELECT object_key FROM BANKING_DB.RAW._loads WHERE object_key IN (?)',
      "PUT 'file://<tmp>' @BANKING_DB.RAW.%accounts/accounts/date=2024-05-01/ AUTO_COMPRESS = FALSE OVERWRITE = TRUE",
      'SELECT column_name, data_type, numeric_precision, numeric_scale FROM BANKING_DB.information_schema.columns WHERE table_schema = ? AND table_name = ?',
      'BEGIN',
      'SELECT object_key FROM BANKING_DB.RAW._loads WHERE object_key IN (?)',
      'COPY INTO BANKING_DB.RAW."ACCOUNTS"',
      // What COPY loaded, read back in the transaction and checked against the object's manifest.
      'SELECT _file AS file, CAST("ID" AS VARCHAR) AS k0, CAST("_LSN" AS VARCHAR) AS lsn, "_OP" AS op, "_KAFKA_TOPIC" AS topic, CAST("_KAFKA_PARTITION" AS VARCHAR) AS part, CAST("_KAFKA_OFFSET" AS VARCHAR) AS off, CAST("BALANCE" AS VARCHAR) AS m0 FROM BANKING_DB.RAW."ACCOUNTS" WHERE _file IN (?)',
      'INSERT INTO BANKING_DB.RAW._loads (object_key, table_name, etag, row_count, loaded_at, manifest) VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP(), ?)',
      'COMMIT',
    ]);
    const ledgerInsert = fake.statements.find((s) => s.sql.startsWith('INSERT INTO BANKING_DB.RAW._loads'))!;
    expect(ledgerInsert.binds).toEqual([key, 'accounts', expect.stringMatching(/^etag-/), 3, expect.stringContaining('"hash"')]);
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
    expect(fake.statements.find((s) => s.sql.startsWith('COPY'))!.sql).toContain(`FROM @LAKE_STAGE/\nFILES = ('${key}')`);
    expect((deps.store as ReturnType<typeof memoryStore>).downloads).toEqual([key]);
  });

  it('an object gone from the store fails alone, with its key; the rest of the batch loads', async () => {
    const { fake, deps } = setup();
    const gone = lakeKey('accounts', '2024-05-01', 0, 0, 9);
    const report = await loadObjects(
      [
        { bucket, key: gone },
        { bucket, key },
      ],
      deps,
    );
    expect(report).toMatchObject({ loaded: 1, rows: 3, failed: 1 });
    expect(report.outcomes.find((o) => o.key === gone)).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/does not exist/),
    });
    expect([...fake.ledger]).toEqual([key]);
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

describe('Snowflake adapter: the object manifest', () => {
  it('refuses an object whose rows in RAW disagree with its manifest, naming it, and ledgers nothing', async () => {
    const { fake, deps, log } = setup();
    // The file says 3 rows with these balances; what COPY put in RAW has one amount changed.
    const tampered = fake.contents.get(key)!.map((r, i) => (i === 1 ? { ...r, balance: '0.02' } : r));
    fake.contents.set(key, tampered);
    const report = await loadObjects([{ bucket, key }], deps);
    expect(report).toMatchObject({ loaded: 0, failed: 1 });
    expect(fake.ledger.size).toBe(0);
    expect(fake.sqls()).toContain('ROLLBACK');
    const reason = String(fake.statements.find((s) => s.sql.includes('_load_errors (object_key'))?.binds?.[2]);
    expect(reason).toContain(`manifest mismatch: the rows RAW holds for ${key}`);
    expect(reason).toContain('sum(balance): manifest');
    expect(log.lines.find((l) => l.level === 'error')?.attrs).toMatchObject({ key });
  });

  it('loads an object written before manifests as before, unverified, with a NULL manifest in the ledger', async () => {
    const { fake, log } = setup();
    const rows = sampleRows('accounts', 3);
    fake.contents.set(key, rows);
    const store = memoryStore(new Map([[`${bucket}/${key}`, encodeParquet('accounts', rows, { manifest: false })]]));
    const warehouse = snowflakeWarehouse({ target, connect: async () => fake, log });
    expect(await loadObjects([{ bucket, key }], { warehouse, store, log })).toMatchObject({ loaded: 1, rows: 3 });
    expect(fake.statements.find((s) => s.sql.startsWith('INSERT INTO BANKING_DB.RAW._loads'))!.binds!.at(-1)).toBeNull();
    expect(fake.sqls().some((s) => s.startsWith('SELECT _file AS file'))).toBe(false);
    expect(log.lines.some((l) => /no manifest/.test(l.message))).toBe(true);
  });
});

describe('Snowflake adapter: batches, COPY results, timeouts', () => {
  function many() {
    const fake = new FakeSnowflake();
    const log = recordingLog();
    const keys = [
      lakeKey('accounts', '2024-05-01', 0, 10, 3),
      lakeKey('accounts', '2024-05-02', 1, 20, 3),
      lakeKey('customers', '2024-05-01', 0, 5, 3),
    ];
    const objects = new Map(
      keys.map((k) => {
        const rows = sampleRows(k.split('/')[0] as DeclaredTable, 3);
        fake.contents.set(k, rows);
        return [`${bucket}/${k}`, encodeParquet(k.split('/')[0] as DeclaredTable, rows)];
      }),
    );
    const warehouse = snowflakeWarehouse({
      target: { ...target, stage: 'LAKE' },
      connect: async () => fake,
      log,
      now: () => 1_000_000,
    });
    return { fake, keys, log, deps: { warehouse, store: memoryStore(objects), log } };
  }

  it('one COPY per table for a batch, and one ledger INSERT for all its objects', async () => {
    const { fake, keys, deps } = many();
    const report = await loadObjects(
      keys.map((key) => ({ bucket, key })),
      deps,
    );
    expect(report).toMatchObject({ loaded: 3, rows: 9, failed: 0 });
    const copies = fake.statements.filter((s) => s.sql.startsWith('COPY'));
    expect(copies.map((c) => c.sql.split('\n')[0])).toEqual([
      'COPY INTO BANKING_DB.RAW."ACCOUNTS"',
      'COPY INTO BANKING_DB.RAW."CUSTOMERS"',
    ]);
    expect(copies[0]!.sql).toContain(`FILES = ('${keys[0]}', '${keys[1]}')`);
    const inserts = fake.statements.filter((s) => s.sql.startsWith('INSERT INTO BANKING_DB.RAW._loads'));
    expect(inserts).toHaveLength(1);
    expect(inserts[0]!.binds).toHaveLength(15);
    expect(fake.ledger).toEqual(new Set(keys));
  });

  it('a file COPY skips (load metadata) but the ledger lacks is loaded again with FORCE, never ledgered empty', async () => {
    const { fake, keys, deps, log } = many();
    fake.loadHistory.add(keys[0]!);
    // Its rows are in RAW already (the ledger row was lost): FORCE appends them again, and the
    // manifest check counts each Kafka record once, as staging reads RAW.
    for (const row of fake.contents.get(keys[0]!)!) fake.raw.push({ file: keys[0]!, row });
    const report = await loadObjects([{ bucket, key: keys[0]! }], deps);
    expect(report).toMatchObject({ loaded: 1, rows: 3 });
    const copies = fake.statements.filter((s) => s.sql.startsWith('COPY')).map((s) => s.sql);
    expect(copies).toHaveLength(2);
    expect(copies[1]).toMatch(/FORCE = TRUE$/);
    expect(fake.statements.find((s) => s.sql.startsWith('INSERT INTO BANKING_DB.RAW._loads'))!.binds).toEqual([
      keys[0],
      'accounts',
      expect.any(String),
      3,
      expect.stringContaining('"rows":3'),
    ]);
    expect(log.lines.some((l) => l.level === 'warn' && /FORCE/.test(l.message))).toBe(true);
  });

  it('a file COPY does not load even with FORCE is never ledgered: the batch is retried', async () => {
    const { fake, keys, deps } = many();
    const execute = fake.execute.bind(fake);
    fake.execute = async (sql, binds) =>
      sql.startsWith('COPY') ? [{ status: 'Copy executed with 0 files processed.' }] : execute(sql, binds);
    await expect(loadObjects([{ bucket, key: keys[0]! }], deps)).rejects.toThrow(/did not load 1 file\(s\) even with FORCE/);
    expect(fake.ledger.size).toBe(0);
    expect(fake.sqls()).toContain('ROLLBACK');
  });

  it("bounds the session's statements and lock waits below the invocation's deadline", async () => {
    const { fake, keys, deps } = many();
    await loadObjects([{ bucket, key: keys[0]! }], { ...deps, deadline: 1_000_000 + 300_000, now: () => 1_000_000 });
    // 300 s left, 10 s kept free: statements 290 s, lock waits half of that.
    expect(fake.sqls()).toContain('ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = 290 LOCK_TIMEOUT = 145');
    expect(timeoutsFor(undefined)).toEqual({ statementS: 3600, lockS: 300 });
  });

  it('takes no new transaction near the deadline: the objects left are deferred for a retry', async () => {
    const { fake, keys, deps } = many();
    const report = await loadObjects(
      keys.map((key) => ({ bucket, key })),
      {
        ...deps,
        deadline: 1_000_000 + 15_000,
        now: () => 1_000_000,
      },
    );
    expect(report).toMatchObject({ loaded: 0, deferred: 3 });
    expect(fake.sqls().some((s) => s.startsWith('COPY'))).toBe(false);
  });
});
