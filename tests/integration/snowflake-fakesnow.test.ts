/**
 * The Snowflake path against fakesnow (a Snowflake emulator on DuckDB, PyPI, its own pinned venv):
 * the adapter's own SQL (functions/loader/snowflakeWarehouse.ts + snowflakeSql.ts) through a
 * small proxy (tests/support/fakesnow_proxy.py: the Node snowflake-sdk cannot decode fakesnow's
 * Arrow results), then dbt's snowflake target building on what is in RAW.
 *
 * What fakesnow cannot run, and so stays untested against a real account (README, docs/deploy.md):
 * PUT, COPY INTO with FILES / INCLUDE_METADATA (METADATA$FILENAME), stages, Snowflake's load
 * history, the driver itself (snowflake-sdk), exact NUMBER sums (fakesnow sums as DOUBLE: the
 * balance test only warns here, and customer_360 is excluded), time zones of TIMESTAMP_TZ, and
 * dbt's incremental runs (only the first, full build is run: fakesnow fails dbt's MERGE).
 */
import { spawn, execFile, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { decodeRecord, storeBatch, type PutRequest } from '../../functions/writer';
import { encodeParquet } from '../../functions/writer';
import { evolveSchema } from '../../functions/loader/snowflakeSchema';
import type { ChangeRow } from '../../functions/shared/rows';
import { TABLE_NAMES, type TableName } from '../../functions/shared/tables';
import { ServiceError } from '../../functions/shared/errors';
import { ledgerInsert } from '../../functions/loader/snowflakeSql';
import { snowflakeWarehouse, type SqlBind, type SqlConnection } from '../../functions/loader/snowflakeWarehouse';
import { makeContext } from '../../infra/stack/context';
import { ensureVenv, venvBin } from '../../infra/stack/python';
import { envelopeOf, loadRecording, withImage } from '../fixtures/debezium';

const run = promisify(execFile);
const root = join(__dirname, '../..');
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const target = { database: 'BANKING_DB', schema: 'RAW', stage: 'LAKE' };
const dbPath = mkdtempSync(join(tmpdir(), 'fakesnow-'));
let venv: string;

/** A SqlConnection over the proxy: one JSON line per statement, one back. */
function proxyConnection(): Promise<SqlConnection & { duckdb(sql: string): Promise<void> }> {
  const child: ChildProcessWithoutNullStreams = spawn(
    venvBin(venv, 'python'),
    [join(root, 'tests/support/fakesnow_proxy.py'), dbPath, target.database, target.schema],
    { env: { ...process.env, PYTHONWARNINGS: 'ignore' } },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const next = async (): Promise<{ rows?: Array<Record<string, unknown>>; error?: string; code?: string; ready?: boolean }> => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`fakesnow proxy exited: ${stderr.slice(-2000)}`);
    return JSON.parse(value as string) as { rows?: Array<Record<string, unknown>>; error?: string; code?: string };
  };
  const send = async (req: object) => {
    child.stdin.write(`${JSON.stringify(req)}\n`);
    const r = await next();
    if (r.error !== undefined) throw Object.assign(new Error(r.error), { code: r.code });
    return r.rows ?? [];
  };
  return next().then(() => ({
    execute: (sql: string, binds?: readonly SqlBind[]) => send({ sql, binds: binds ?? null }),
    duckdb: async (sql: string) => void (await send({ duckdb: sql })),
    close: async () => {
      child.stdin.end();
      await new Promise((r) => child.once('exit', r));
    },
  }));
}

/** The recorded Debezium changes, decoded as the writer does, per table. */
function recordedRows(): Record<TableName, ChangeRow[]> {
  const rec = loadRecording();
  const out = Object.fromEntries(TABLE_NAMES.map((t) => [t, [] as ChangeRow[]])) as Record<TableName, ChangeRow[]>;
  for (const r of [...rec.snapshotSamples, ...rec.records]) {
    const d = decodeRecord(r);
    if (d.kind === 'row') out[d.table].push(d.row);
  }
  return out;
}

beforeAll(async () => {
  venv = await ensureVenv(makeContext({ quiet: true }), 'fakesnow');
}, 600_000);

/** A lake object as the writer stores it after `order`, `"RiskTier"` and `"risk score"` were added in Postgres. */
async function awkwardObject(dir: string) {
  const rec = loadRecording();
  const acct = rec.records.find((r) => r.topic.endsWith('.accounts') && r.value !== null)!;
  const added = [
    { field: 'order', type: 'int32', optional: true },
    { field: 'RiskTier', type: 'string', optional: true, parameters: { '__debezium.source.column.type': 'TEXT' } },
    {
      field: 'risk score',
      type: 'string',
      optional: true,
      parameters: {
        '__debezium.source.column.type': 'NUMERIC',
        '__debezium.source.column.length': '18',
        '__debezium.source.column.scale': '2',
      },
    },
  ];
  const after = { ...(envelopeOf(acct).after as Record<string, unknown>), order: 7, RiskTier: 'High', 'risk score': '12.50' };
  const record = withImage(acct, 'after', after, { add: added });
  const d = decodeRecord(record);
  if (d.kind !== 'row') throw new Error('expected a row');
  const stored: PutRequest[] = [];
  const result = await storeBatch([record], { sink: { put: async (req) => void stored.push(req) }, dlqPrefix: '_dlq' });
  expect(result.deadLetters).toEqual([]);
  const file = join(dir, 'accounts+0+1-1.parquet');
  writeFileSync(file, stored[0]!.body as Uint8Array);
  const object = {
    key: 'accounts/date=2026-12-02/accounts+0+1-1.parquet',
    table: 'accounts' as const,
    etag: null,
    localFile: async () => file,
  };
  return { object, row: d.row };
}

test("the adapter's DDL, ledger, failure record and transactions run in fakesnow", async () => {
  const conn = await proxyConnection();
  try {
    const warehouse = snowflakeWarehouse({ target, connect: async () => conn, log: quiet });
    const session = await warehouse.open(); // the RAW DDL (sql/warehouse/snowflake.sql)
    const key = 'accounts/date=2026-12-02/accounts+0+1-5.parquet';
    expect(await session.loadedKeys([key])).toEqual(new Set());

    // A ledger row (the adapter's own INSERT with binds), then a delivery of the same object:
    // BEGIN, the lookup, ROLLBACK, nothing downloaded.
    await conn.execute(ledgerInsert(target), [key, 'accounts', '"etag"', 5]);
    expect(await session.loadedKeys([key, 'accounts/date=2026-12-02/other.parquet'])).toEqual(new Set([key]));
    const object = {
      key,
      table: 'accounts' as const,
      etag: null,
      localFile: () => Promise.reject(new Error('must not be downloaded')),
    };
    expect(await session.loadAll([object])).toEqual([{ status: 'already-loaded' }]);

    await session.recordFailure('accounts/date=2026-12-02/bad.parquet', null, 'not readable as Parquet');
    const errors = await conn.execute(`SELECT object_key, reason FROM ${target.database}.${target.schema}._load_errors`);
    expect(errors).toEqual([{ OBJECT_KEY: 'accounts/date=2026-12-02/bad.parquet', REASON: 'not readable as Parquet' }]);

    // A new object: its COPY (FILES, INCLUDE_METADATA) is beyond fakesnow, so it fails, and the
    // transaction leaves no ledger row behind: the failure is the warehouse's, thrown for a retry.
    const fresh = { ...object, key: 'accounts/date=2026-12-02/accounts+0+6-9.parquet' };
    await expect(session.loadAll([fresh])).rejects.toThrow(ServiceError);
    expect(await session.loadedKeys([fresh.key])).toEqual(new Set());
    await session.close();
    // The adapter keeps its connection for the next invocation; release() closes it.
    await warehouse.release();
  } catch (err) {
    await conn.close();
    throw err;
  }
}, 120_000);

test('RAW gains columns named `order`, `"RiskTier"` and `"risk score"` through the adapter\'s own statements', async () => {
  const conn = await proxyConnection();
  const dir = mkdtempSync(join(tmpdir(), 'fakesnow-names-'));
  try {
    const warehouse = snowflakeWarehouse({ target, connect: async () => conn, log: quiet });
    const session = await warehouse.open(); // the RAW DDL, every name quoted
    await session.close();
    const { object, row: d } = await awkwardObject(dir);
    await evolveSchema(conn, target, [object], quiet);
    const cols = await conn.execute(
      `SELECT column_name, data_type FROM ${target.database}.information_schema.columns WHERE table_schema = 'RAW' AND table_name = 'ACCOUNTS' AND column_name IN ('ORDER', 'RiskTier', 'risk score') ORDER BY column_name`,
    );
    expect(cols).toEqual([
      { COLUMN_NAME: 'ORDER', DATA_TYPE: 'NUMBER' },
      { COLUMN_NAME: 'RiskTier', DATA_TYPE: 'TEXT' },
      { COLUMN_NAME: 'risk score', DATA_TYPE: 'NUMBER' },
    ]);
    // A second object with the same columns adds nothing: the names read back match the lake's.
    await evolveSchema(conn, target, [object], quiet);
    await conn.execute(
      `INSERT INTO ${target.database}.${target.schema}.accounts (id, _op, _lsn, _source_ts_ms, _kafka_topic, _kafka_partition, _kafka_offset, _file, _loaded_at, "ORDER", "RiskTier", "risk score") ` +
        `VALUES (1, 'c', 1, 1, 't', 0, 1, 'f', CURRENT_TIMESTAMP(), ?, ?, ?)`,
      [d.order as number, d.RiskTier as string, d['risk score'] as string],
    );
    expect(
      await conn.execute(
        `SELECT "ORDER", "RiskTier", "risk score" FROM ${target.database}.${target.schema}.accounts WHERE _file = 'f'`,
      ),
    ).toEqual([{ ORDER: 7, RiskTier: 'High', 'risk score': '12.50' }]);
    await conn.execute(`DROP TABLE ${target.database}.${target.schema}.accounts`);
    await warehouse.release();
  } catch (err) {
    await conn.close();
    throw err;
  }
}, 120_000);

test("dbt's snowflake target builds (models and tests) on RAW rows from the recorded pipeline", async () => {
  const conn = await proxyConnection();
  const dir = mkdtempSync(join(tmpdir(), 'fakesnow-parquet-'));
  try {
    const warehouse = snowflakeWarehouse({ target, connect: async () => conn, log: quiet });
    const session = await warehouse.open();
    // What COPY would have loaded: each table's Parquet, as the writer encodes it, into RAW.
    for (const [table, rows] of Object.entries(recordedRows()) as Array<[TableName, ChangeRow[]]>) {
      const file = join(dir, `${table}.parquet`);
      writeFileSync(file, encodeParquet(table, rows));
      await conn.duckdb(
        `INSERT INTO ${target.database}.${target.schema}.${table} SELECT *, '${table}/recorded.parquet', now() FROM read_parquet('${file}')`,
      );
    }
    // The three awkward names in RAW too (the adapter's ALTERs), set on every accounts row, so
    // staging must carry them through.
    const { object } = await awkwardObject(dir);
    await evolveSchema(conn, target, [object], quiet);
    await conn.execute(
      `UPDATE ${target.database}.${target.schema}.accounts SET "ORDER" = 7, "RiskTier" = 'High', "risk score" = 12.50`,
    );
    await session.close();
    // The adapter keeps its connection for the next invocation; release() closes it (dbt needs the file).
    await warehouse.release();
  } catch (err) {
    await conn.close();
    throw err;
  }
  const dbt = await run(
    venvBin(venv, 'fakesnow'),
    [
      '-d',
      dbPath,
      '-m',
      'dbt.cli.main',
      'build',
      '--target',
      'snowflake',
      '--project-dir',
      'dbt',
      '--profiles-dir',
      'dbt',
      '--threads',
      '1',
      // fakesnow sums NUMBER as DOUBLE, and customer_360 casts such a sum back to DECIMAL(18,2),
      // which DuckDB then refuses ("Could not cast value 10000000000000000.000000"): not evidence
      // about Snowflake, so left out here (and listed as untested against a real account).
      '--exclude',
      'customer_360',
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        SNOWFLAKE_ACCOUNT: 'fakesnow',
        SNOWFLAKE_USER: 'fake',
        SNOWFLAKE_PASSWORD: 'fake',
        SNOWFLAKE_WAREHOUSE: 'FAKE_WH',
        SNOWFLAKE_DB: target.database,
        DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
        PYTHONWARNINGS: 'ignore',
      },
      timeout: 300_000,
      maxBuffer: 32 * 1024 * 1024,
    },
  ).catch((err: { stdout?: string; stderr?: string }) => {
    throw new Error(`dbt build on fakesnow failed:\n${(err.stdout ?? '').slice(-6000)}\n${(err.stderr ?? '').slice(-2000)}`);
  });
  expect(dbt.stdout).toMatch(/Completed successfully|PASS=\d+/);
  expect(dbt.stdout).toMatch(/ERROR=0/);
  const check = await proxyConnection();
  try {
    expect(
      await check.execute(`SELECT DISTINCT "ORDER", "RiskTier", "risk score" FROM ${target.database}.STAGING.STG_ACCOUNTS`),
    ).toEqual([{ ORDER: 7, RiskTier: 'High', 'risk score': '12.50' }]);
  } finally {
    await check.close();
  }
}, 400_000);
