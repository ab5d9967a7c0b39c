import { existsSync } from 'node:fs';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdbWarehouse } from '../../../functions/loader/duckdbWarehouse';
import { loadObjects } from '../../../functions/loader/loader';
import { wantedMarkerPath } from '../../../functions/loader/wantedMarker';
import {
  encodeParquet,
  expectedStrings,
  lakeKey,
  memoryStore,
  rawRowsOf,
  recordingLog,
  sampleRows,
  withDuckdb,
} from './fixtures';

const bucket = 'banking-data';
let dir: string;
let dbPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wh-batch-'));
  dbPath = join(dir, 'banking.duckdb');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Ten transactions objects of 5 rows each (offsets 0-49), keyed in order. */
function tenObjects() {
  const objects = new Map<string, Uint8Array>();
  const keys: string[] = [];
  const rows = new Map<string, ReturnType<typeof sampleRows>>();
  for (let i = 0; i < 10; i++) {
    const r = sampleRows('transactions', 5, { seed: i + 1, partition: 2, firstOffset: i * 5 });
    const key = lakeKey('transactions', '2024-06-01', 2, i * 5, 5);
    objects.set(`${bucket}/${key}`, encodeParquet('transactions', r));
    keys.push(key);
    rows.set(key, r);
  }
  return { objects, keys, rows };
}

describe('loading many objects per transaction', () => {
  it('loads a batch in one transaction: every row, one ledger row per object', async () => {
    const { objects, keys, rows } = tenObjects();
    const log = recordingLog();
    const warehouse = duckdbWarehouse({ path: dbPath, log, lock: { timeoutMs: 5_000 } });
    const report = await loadObjects(
      keys.map((key) => ({ bucket, key })),
      { warehouse, store: memoryStore(objects), log },
    );
    expect(report).toMatchObject({ loaded: 10, rows: 50, failed: 0 });
    expect(log.lines.some((l) => l.message.includes('one object per transaction'))).toBe(false);
    for (const key of keys) {
      expect(await rawRowsOf(dbPath, 'transactions', key)).toEqual(rows.get(key)!.map((r) => expectedStrings('transactions', r)));
    }
    const [ledger] = await withDuckdb(dbPath, (q) => q('SELECT count(*)::INT AS n, sum(row_count)::INT AS rows FROM raw._loads'));
    expect(ledger).toEqual({ n: 10, rows: 50 });
  });

  it('a corrupt object in the batch: the transaction is undone, each object is retried alone, the ledger stays exact', async () => {
    const { objects, keys } = tenObjects();
    const corrupt = keys[4]!;
    const body = objects.get(`${bucket}/${corrupt}`)!;
    objects.set(`${bucket}/${corrupt}`, body.slice(0, body.length - 30));
    const missing = lakeKey('transactions', '2024-06-01', 2, 1000, 5); // listed, then gone
    const log = recordingLog();
    const warehouse = duckdbWarehouse({ path: dbPath, log, lock: { timeoutMs: 5_000 } });
    const report = await loadObjects(
      [...keys, missing].map((key) => ({ bucket, key })),
      { warehouse, store: memoryStore(objects), log },
    );
    expect(report).toMatchObject({ loaded: 9, rows: 45, failed: 2 });
    expect(log.lines.filter((l) => l.message.includes('one object per transaction'))).toHaveLength(1);
    const ledger = await withDuckdb(dbPath, (q) => q('SELECT object_key FROM raw._loads ORDER BY object_key'));
    expect(ledger.map((r) => r.object_key)).toEqual(keys.filter((k) => k !== corrupt).sort());
    const errors = await withDuckdb(dbPath, (q) => q('SELECT object_key, reason FROM raw._load_errors ORDER BY object_key'));
    expect(errors.map((e) => e.object_key)).toEqual([corrupt, missing].sort());
    // Each offset exactly once: nothing from the undone transaction survived.
    const [dupes] = await withDuckdb(dbPath, (q) =>
      q('SELECT count(*)::INT AS n, count(DISTINCT _kafka_offset)::INT AS distinct_offsets FROM raw.transactions'),
    );
    expect(dupes).toEqual({ n: 45, distinct_offsets: 45 });
  });

  it('objectsPerTransaction splits a batch into several transactions', async () => {
    const { objects, keys } = tenObjects();
    const log = recordingLog();
    const warehouse = duckdbWarehouse({ path: dbPath, log, lock: { timeoutMs: 5_000 } });
    const report = await loadObjects(
      keys.map((key) => ({ bucket, key })),
      { warehouse, store: memoryStore(objects), log, objectsPerTransaction: 3 },
    );
    expect(report).toMatchObject({ loaded: 10, rows: 50 });
  });
});

describe('keeping the DuckDB file open between batches', () => {
  function twoBatches() {
    const { objects, keys } = tenObjects();
    return { store: memoryStore(objects), first: keys.slice(0, 5), second: keys.slice(5) };
  }

  it('reuses one session across batches while they come back to back, and releases it on release()', async () => {
    const { store, first, second } = twoBatches();
    const log = recordingLog();
    const warehouse = duckdbWarehouse({ path: dbPath, log, lock: { timeoutMs: 5_000 }, keepOpenMs: 60_000 });
    await loadObjects(
      first.map((key) => ({ bucket, key })),
      { warehouse, store, log },
    );
    await loadObjects(
      second.map((key) => ({ bucket, key })),
      { warehouse, store, log },
    );
    expect(warehouse.sessionsOpened()).toBe(1);
    expect(existsSync(`${dbPath}.writer-lock`)).toBe(true);
    await warehouse.release();
    expect(existsSync(`${dbPath}.writer-lock`)).toBe(false);
    const [n] = await withDuckdb(dbPath, (q) => q('SELECT count(*)::INT AS n FROM raw._loads'));
    expect(n).toEqual({ n: 10 });
  });

  it('lets go after each batch when another process marked the file wanted (dbt waiting)', async () => {
    const { store, first, second } = twoBatches();
    const log = recordingLog();
    const warehouse = duckdbWarehouse({ path: dbPath, log, lock: { timeoutMs: 5_000 }, keepOpenMs: 60_000 });
    await writeFile(wantedMarkerPath(dbPath), 'dbt:4242\n');
    await loadObjects(
      first.map((key) => ({ bucket, key })),
      { warehouse, store, log },
    );
    expect(existsSync(`${dbPath}.writer-lock`)).toBe(false);
    // A stale marker (a waiter that gave up long ago) no longer counts.
    const old = new Date(Date.now() - 120_000);
    await utimes(wantedMarkerPath(dbPath), old, old);
    await loadObjects(
      second.map((key) => ({ bucket, key })),
      { warehouse, store, log },
    );
    expect(existsSync(`${dbPath}.writer-lock`)).toBe(true);
    expect(warehouse.sessionsOpened()).toBe(2);
    await warehouse.release();
  });

  it('while idle, lets go as soon as another process marks the file wanted', async () => {
    const { store, first } = twoBatches();
    const log = recordingLog();
    const warehouse = duckdbWarehouse({ path: dbPath, log, lock: { timeoutMs: 5_000 }, keepOpenMs: 60_000 });
    await loadObjects(
      first.map((key) => ({ bucket, key })),
      { warehouse, store, log },
    );
    expect(existsSync(`${dbPath}.writer-lock`)).toBe(true);
    await writeFile(wantedMarkerPath(dbPath), 'dbt:4242\n');
    const deadline = Date.now() + 5_000;
    while (existsSync(`${dbPath}.writer-lock`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(`${dbPath}.writer-lock`)).toBe(false);
  });

  it('lets go when idle for keepOpenMs, and after maxHoldMs of holding it', async () => {
    const { store, first, second } = twoBatches();
    const log = recordingLog();
    const idle = duckdbWarehouse({ path: dbPath, log, lock: { timeoutMs: 5_000 }, keepOpenMs: 50 });
    await loadObjects(
      first.map((key) => ({ bucket, key })),
      { warehouse: idle, store, log },
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(`${dbPath}.writer-lock`)).toBe(false);
    const capped = duckdbWarehouse({ path: dbPath, log, lock: { timeoutMs: 5_000 }, keepOpenMs: 60_000, maxHoldMs: 0 });
    await loadObjects(
      second.map((key) => ({ bucket, key })),
      { warehouse: capped, store, log },
    );
    expect(existsSync(`${dbPath}.writer-lock`)).toBe(false);
  });
});
