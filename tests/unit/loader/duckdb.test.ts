import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { duckdbWarehouse } from '../../../functions/loader/duckdbWarehouse';
import { WarehouseBusyError } from '../../../functions/loader/errors';
import { loadObjects } from '../../../functions/loader/loader';
import { encodeParquet, expectedStrings, lakeKey, memoryStore, rawRowsOf } from './fixtures';
import { recordingLog, sampleRows, scratchWarehouse, withDuckdb } from './fixtures';

const bucket = 'banking-data';
const tmp = scratchWarehouse('wh-unit-', 'nested', 'banking.duckdb');

function deps(objects: Map<string, Uint8Array>, lockTimeoutMs = 10_000) {
  const log = recordingLog();
  const store = memoryStore(objects);
  const warehouse = duckdbWarehouse({ path: tmp.dbPath, log, lock: { timeoutMs: lockTimeoutMs, initialDelayMs: 20 } });
  return { log, store, warehouse };
}

describe('DuckDB adapter', () => {
  it('loads every row of every table exactly: decimals to the cent, timestamps to the microsecond, nulls', async () => {
    const objects = new Map<string, Uint8Array>();
    const rowsByKey = new Map<string, ReturnType<typeof sampleRows>>();
    for (const [i, table] of (['customers', 'accounts', 'transactions'] as const).entries()) {
      const rows = sampleRows(table, 40, { seed: i + 1, partition: 0, firstOffset: 100 });
      const key = lakeKey(table, '2024-05-01', 0, 100, rows.length);
      objects.set(`${bucket}/${key}`, encodeParquet(table, rows));
      rowsByKey.set(key, rows);
    }
    const d = deps(objects);
    const report = await loadObjects(
      [...rowsByKey.keys()].map((key) => ({ bucket, key })),
      d,
    );
    expect(report).toMatchObject({ loaded: 3, rows: 120, failed: 0, alreadyLoaded: 0 });

    for (const [key, rows] of rowsByKey) {
      const table = key.split('/')[0] as 'customers' | 'accounts' | 'transactions';
      expect(await rawRowsOf(tmp.dbPath, table, key)).toEqual(rows.map((r) => expectedStrings(table, r)));
    }
    const [edge] = await withDuckdb(tmp.dbPath, (q) =>
      q(`SELECT CAST(max(balance) AS VARCHAR) AS hi, CAST(min(balance) AS VARCHAR) AS lo FROM raw.accounts`),
    );
    expect(edge).toEqual({ hi: '999999999999999.99', lo: '-999999999999999.99' });
    const ledger = await withDuckdb(tmp.dbPath, (q) =>
      q(`SELECT object_key, table_name, etag, row_count FROM raw._loads ORDER BY object_key`),
    );
    expect(ledger).toEqual(
      [...rowsByKey.keys()]
        .sort()
        .map((k) => ({ object_key: k, table_name: k.split('/')[0], etag: expect.stringMatching(/^etag-/), row_count: '40' })),
    );
  });

  it('loading the same objects again inserts nothing and does not even download them', async () => {
    const rows = sampleRows('accounts', 25);
    const key = lakeKey('accounts', '2024-05-02', 1, 0, rows.length);
    const d = deps(new Map([[`${bucket}/${key}`, encodeParquet('accounts', rows)]]));
    expect((await loadObjects([{ bucket, key }], d)).loaded).toBe(1);
    const again = await loadObjects(
      [
        { bucket, key },
        { bucket, key },
      ],
      d,
    );
    expect(again).toMatchObject({ loaded: 0, alreadyLoaded: 1, rows: 0 });
    expect(d.store.downloads).toEqual([key]);
    expect(d.log.lines.some((l) => l.message === 'already loaded' && l.attrs.key === key)).toBe(true);
    const [count] = await withDuckdb(tmp.dbPath, (q) =>
      q('SELECT count(*)::INT AS n, (SELECT count(*)::INT FROM raw._loads) AS files FROM raw.accounts'),
    );
    expect(count).toEqual({ n: 25, files: 1 });
  });

  it('a corrupt object, a wrong schema and a missing object are reported with their keys; the others load', async () => {
    const good = sampleRows('transactions', 10);
    const goodKey = lakeKey('transactions', '2024-05-03', 0, 0, 10);
    const corruptKey = lakeKey('transactions', '2024-05-03', 0, 10, 10);
    const wrongTableKey = lakeKey('accounts', '2024-05-03', 0, 0, 10); // transactions' columns under accounts/
    const missingKey = lakeKey('customers', '2024-05-03', 0, 0, 1);
    const badKey = 'transactions/date=2024-05-03/not-a-lake-name.parquet';
    const encoded = encodeParquet('transactions', good);
    const d = deps(
      new Map([
        [`${bucket}/${corruptKey}`, encoded.slice(0, encoded.length - 20)],
        [`${bucket}/${wrongTableKey}`, encoded],
        [`${bucket}/${goodKey}`, encoded],
      ]),
    );
    const report = await loadObjects(
      [corruptKey, wrongTableKey, missingKey, badKey, goodKey, '_dlq/x/0-1.json'].map((key) => ({ bucket, key })),
      d,
    );
    expect(report).toMatchObject({ loaded: 1, rows: 10, failed: 4, ignored: 1 });
    const failures = Object.fromEntries(report.outcomes.flatMap((o) => (o.status === 'failed' ? [[o.key, o.reason]] : [])));
    expect(failures[corruptKey]).toMatch(/not a readable Parquet file/);
    expect(failures[wrongTableKey]).toMatch(/missing column balance \(DECIMAL\(18,2\)\).*unexpected column amount/);
    expect(failures[missingKey]).toMatch(/does not exist/);
    expect(failures[badKey]).toMatch(/does not match/);
    const errors = await withDuckdb(tmp.dbPath, (q) => q('SELECT object_key FROM raw._load_errors ORDER BY object_key'));
    expect(errors.map((e) => e.object_key)).toEqual(Object.keys(failures).sort());
    const ledger = await withDuckdb(tmp.dbPath, (q) => q('SELECT object_key FROM raw._loads'));
    expect(ledger.map((e) => e.object_key)).toEqual([goodKey]);
    expect(await rawRowsOf(tmp.dbPath, 'transactions', goodKey)).toEqual(good.map((r) => expectedStrings('transactions', r)));
  });
});

describe('DuckDB file lock', () => {
  /** Another process opens the file for writing (as dbt would) and holds it for holdMs. */
  async function holdLock(path: string, holdMs: number): Promise<ChildProcess> {
    await mkdir(dirname(path), { recursive: true });
    const script = `
      const { DuckDBInstance } = require('@duckdb/node-api');
      (async () => {
        const inst = await DuckDBInstance.create(${JSON.stringify(path)});
        const conn = await inst.connect();
        process.stdout.write('locked\\n');
        setTimeout(() => { conn.closeSync(); inst.closeSync(); process.exit(0); }, ${holdMs});
      })();`;
    const child = spawn(process.execPath, ['-e', script], {
      cwd: join(__dirname, '../../..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (b: Buffer) => b.toString().includes('locked') && resolve());
      child.on('exit', (code) => reject(new Error(`lock holder exited early (${code})`)));
    });
    return child;
  }

  it('waits while another process holds the file, logging who holds it, then loads', async () => {
    const rows = sampleRows('accounts', 5);
    const key = lakeKey('accounts', '2024-05-04', 0, 0, 5);
    const d = deps(new Map([[`${bucket}/${key}`, encodeParquet('accounts', rows)]]));
    const holder = await holdLock(tmp.dbPath, 1500);
    const exited = new Promise((r) => holder.on('exit', r));
    const report = await loadObjects([{ bucket, key }], d);
    await exited;
    expect(report.loaded).toBe(1);
    const retries = d.log.lines.filter((l) => l.message === 'warehouse file busy, retrying');
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0]!.attrs).toMatchObject({ path: tmp.dbPath, heldBy: expect.stringContaining(`(PID ${holder.pid})`) });
  });

  it('gives up after the configured time with a clear error, loading nothing', async () => {
    const key = lakeKey('accounts', '2024-05-04', 0, 0, 5);
    const d = deps(new Map([[`${bucket}/${key}`, encodeParquet('accounts', sampleRows('accounts', 5))]]), 300);
    const path = join(tmp.dir, 'busy.duckdb');
    const holder = await holdLock(path, 5000);
    const exited = new Promise((r) => holder.on('exit', r));
    try {
      const w = duckdbWarehouse({ path, log: d.log, lock: { timeoutMs: 300, initialDelayMs: 20 } });
      const err = await loadObjects([{ bucket, key }], { ...d, warehouse: w }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WarehouseBusyError);
      expect((err as Error).message).toMatch(new RegExp(`DuckDB file ${path} is still locked by .*\\(PID ${holder.pid}\\)`));
      expect(d.store.downloads).toEqual([]);
    } finally {
      holder.kill();
      await exited;
    }
  });
});
