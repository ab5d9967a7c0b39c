import { existsSync } from 'node:fs';
import { rm, utimes, writeFile } from 'node:fs/promises';
import { duckdbWarehouse } from '../../../functions/loader/duckdbWarehouse';
import { loadObjects } from '../../../functions/loader/loader';
import type { Warehouse } from '../../../functions/loader/port';
import { wantedMarkerPath } from '../../../functions/loader/wantedMarker';
import { encodeParquet, expectedStrings, lakeKey, memoryStore, rawRowsOf } from './fixtures';
import { recordingLog, sampleRows, scratchWarehouse, withDuckdb } from './fixtures';

const bucket = 'banking-data';
const tmp = scratchWarehouse('wh-batch-');

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

/** Polls `done` every 20 ms until it holds or `ms` pass. */
async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

describe('loading many objects per transaction', () => {
  it('loads a batch in one transaction: every row, one ledger row per object', async () => {
    const { objects, keys, rows } = tenObjects();
    const log = recordingLog();
    const warehouse = duckdbWarehouse({ path: tmp.dbPath, log, lock: { timeoutMs: 5_000 } });
    const report = await loadObjects(
      keys.map((key) => ({ bucket, key })),
      { warehouse, store: memoryStore(objects), log },
    );
    expect(report).toMatchObject({ loaded: 10, rows: 50, failed: 0 });
    expect(log.lines.some((l) => l.message.includes('one object per transaction'))).toBe(false);
    for (const key of keys) {
      expect(await rawRowsOf(tmp.dbPath, 'transactions', key)).toEqual(
        rows.get(key)!.map((r) => expectedStrings('transactions', r)),
      );
    }
    const [ledger] = await withDuckdb(tmp.dbPath, (q) =>
      q('SELECT count(*)::INT AS n, sum(row_count)::INT AS rows FROM raw._loads'),
    );
    expect(ledger).toEqual({ n: 10, rows: 50 });
  });

  it('a corrupt object in the batch: the transaction is undone, each object is retried alone, the ledger stays exact', async () => {
    const { objects, keys } = tenObjects();
    const corrupt = keys[4]!;
    const body = objects.get(`${bucket}/${corrupt}`)!;
    objects.set(`${bucket}/${corrupt}`, body.slice(0, body.length - 30));
    const missing = lakeKey('transactions', '2024-06-01', 2, 1000, 5); // listed, then gone
    const log = recordingLog();
    const warehouse = duckdbWarehouse({ path: tmp.dbPath, log, lock: { timeoutMs: 5_000 } });
    const report = await loadObjects(
      [...keys, missing].map((key) => ({ bucket, key })),
      { warehouse, store: memoryStore(objects), log },
    );
    expect(report).toMatchObject({ loaded: 9, rows: 45, failed: 2 });
    expect(log.lines.filter((l) => l.message.includes('one object per transaction'))).toHaveLength(1);
    const ledger = await withDuckdb(tmp.dbPath, (q) => q('SELECT object_key FROM raw._loads ORDER BY object_key'));
    expect(ledger.map((r) => r.object_key)).toEqual(keys.filter((k) => k !== corrupt).sort());
    const errors = await withDuckdb(tmp.dbPath, (q) => q('SELECT object_key, reason FROM raw._load_errors ORDER BY object_key'));
    expect(errors.map((e) => e.object_key)).toEqual([corrupt, missing].sort());
    // Each offset exactly once: nothing from the undone transaction survived.
    const [dupes] = await withDuckdb(tmp.dbPath, (q) =>
      q('SELECT count(*)::INT AS n, count(DISTINCT _kafka_offset)::INT AS distinct_offsets FROM raw.transactions'),
    );
    expect(dupes).toEqual({ n: 45, distinct_offsets: 45 });
  });

  it('objectsPerTransaction splits a batch into several transactions', async () => {
    const { objects, keys } = tenObjects();
    const log = recordingLog();
    const warehouse = duckdbWarehouse({ path: tmp.dbPath, log, lock: { timeoutMs: 5_000 } });
    const report = await loadObjects(
      keys.map((key) => ({ bucket, key })),
      { warehouse, store: memoryStore(objects), log, objectsPerTransaction: 3 },
    );
    expect(report).toMatchObject({ loaded: 10, rows: 50 });
  });
});

describe('keeping the DuckDB file open between batches', () => {
  /** Ten objects in two batches of five, and a load of one batch through a warehouse. */
  function twoBatches() {
    const { objects, keys } = tenObjects();
    const store = memoryStore(objects);
    const log = recordingLog();
    const load = (warehouse: Warehouse, batch: string[]) =>
      loadObjects(
        batch.map((key) => ({ bucket, key })),
        { warehouse, store, log },
      );
    return { log, load, first: keys.slice(0, 5), second: keys.slice(5) };
  }

  it('reuses one session across batches while they come back to back, and releases it on release()', async () => {
    const { log, load, first, second } = twoBatches();
    const warehouse = duckdbWarehouse({ path: tmp.dbPath, log, lock: { timeoutMs: 5_000 }, keepOpenMs: 60_000 });
    await load(warehouse, first);
    await load(warehouse, second);
    expect(warehouse.sessionsOpened()).toBe(1);
    expect(existsSync(`${tmp.dbPath}.writer-lock`)).toBe(true);
    await warehouse.release();
    expect(existsSync(`${tmp.dbPath}.writer-lock`)).toBe(false);
    const [n] = await withDuckdb(tmp.dbPath, (q) => q('SELECT count(*)::INT AS n FROM raw._loads'));
    expect(n).toEqual({ n: 10 });
  });

  it('lets go after each batch when another process marked the file wanted (dbt waiting)', async () => {
    const { log, load, first, second } = twoBatches();
    const warehouse = duckdbWarehouse({ path: tmp.dbPath, log, lock: { timeoutMs: 5_000 }, keepOpenMs: 60_000 });
    await writeFile(wantedMarkerPath(tmp.dbPath), 'dbt:4242\n');
    await load(warehouse, first);
    expect(existsSync(`${tmp.dbPath}.writer-lock`)).toBe(false);
    // A stale marker (a waiter that gave up long ago) no longer counts.
    const old = new Date(Date.now() - 120_000);
    await utimes(wantedMarkerPath(tmp.dbPath), old, old);
    await load(warehouse, second);
    expect(existsSync(`${tmp.dbPath}.writer-lock`)).toBe(true);
    expect(warehouse.sessionsOpened()).toBe(2);
    await warehouse.release();
  }, 20_000); // the first open lets the waiter go first for a while

  it('a long invocation hands the file over after one group when another process wants it; the rest is deferred, then loads', async () => {
    // A catch-up sweep loads 1,000 objects in one invocation: without this, dbt or verify waited
    // for all of them (over 60 s in a soak) and gave up.
    const { objects, keys } = tenObjects();
    const store = memoryStore(objects);
    const log = recordingLog();
    const warehouse = duckdbWarehouse({ path: tmp.dbPath, log, lock: { timeoutMs: 5_000 } });
    await writeFile(wantedMarkerPath(tmp.dbPath), 'dbt:4242\n');
    const requests = keys.map((key) => ({ bucket, key }));
    const first = await loadObjects(requests, { warehouse, store, log, objectsPerTransaction: 3 });
    expect(first).toMatchObject({ loaded: 3, deferred: 7, failed: 0 });
    expect(log.lines.some((l) => l.message.includes('warehouse wanted by another process'))).toBe(true);
    await rm(wantedMarkerPath(tmp.dbPath), { force: true });
    const second = await loadObjects(requests, { warehouse, store, log, objectsPerTransaction: 3 });
    expect(second).toMatchObject({ loaded: 7, alreadyLoaded: 3, deferred: 0 });
    const [n] = await withDuckdb(tmp.dbPath, (q) => q('SELECT count(*)::INT AS n FROM raw._loads'));
    expect(n).toEqual({ n: 10 });
  }, 20_000); // the first open lets the waiter go first for a while

  it('while idle, lets go as soon as another process marks the file wanted', async () => {
    const { log, load, first } = twoBatches();
    const warehouse = duckdbWarehouse({ path: tmp.dbPath, log, lock: { timeoutMs: 5_000 }, keepOpenMs: 60_000 });
    await load(warehouse, first);
    expect(existsSync(`${tmp.dbPath}.writer-lock`)).toBe(true);
    await writeFile(wantedMarkerPath(tmp.dbPath), 'dbt:4242\n');
    await until(() => !existsSync(`${tmp.dbPath}.writer-lock`), 15_000);
    expect(existsSync(`${tmp.dbPath}.writer-lock`)).toBe(false);
  }, 30_000);

  it('lets go when idle for keepOpenMs, and after maxHoldMs of holding it', async () => {
    const { log, load, first, second } = twoBatches();
    const idle = duckdbWarehouse({ path: tmp.dbPath, log, lock: { timeoutMs: 5_000 }, keepOpenMs: 50 });
    await load(idle, first);
    // Letting go closes the file (a checkpoint), which took seconds on a loaded machine: wait for it, bounded.
    await until(() => !existsSync(`${tmp.dbPath}.writer-lock`), 15_000);
    expect(existsSync(`${tmp.dbPath}.writer-lock`)).toBe(false);
    const capped = duckdbWarehouse({ path: tmp.dbPath, log, lock: { timeoutMs: 5_000 }, keepOpenMs: 60_000, maxHoldMs: 0 });
    await load(capped, second);
    expect(existsSync(`${tmp.dbPath}.writer-lock`)).toBe(false);
  }, 30_000);
});

describe('a Kafka record already in RAW is not loaded again', () => {
  /** Offsets 0-9 in one object; the same records 5-9 and new ones 10-14 in another, as after a writer crash. */
  function overlapping() {
    const first = sampleRows('transactions', 10, { seed: 1, partition: 2, firstOffset: 0 });
    const again = [...first.slice(5), ...sampleRows('transactions', 5, { seed: 2, partition: 2, firstOffset: 10 })];
    const a = lakeKey('transactions', '2024-06-01', 2, 0, 10);
    const b = lakeKey('transactions', '2024-06-01', 2, 5, 10);
    const objects = new Map([
      [`${bucket}/${a}`, encodeParquet('transactions', first)],
      [`${bucket}/${b}`, encodeParquet('transactions', again)],
    ]);
    return { objects, a, b };
  }
  const offsetsOnce = () =>
    withDuckdb(tmp.dbPath, (q) =>
      q(
        `SELECT count(*)::INT AS n, count(DISTINCT (_kafka_partition, _kafka_offset))::INT AS offsets,
                (SELECT list(row_count::INT ORDER BY object_key) FROM raw._loads) AS ledger FROM raw.transactions`,
      ),
    );

  it.each([
    ['in two invocations', (a: string, b: string) => [[a], [b]]],
    ['in one transaction', (a: string, b: string) => [[a, b]]],
  ])('%s: each offset once, the ledger counts what was inserted', async (_how, batches) => {
    const { objects, a, b } = overlapping();
    const log = recordingLog();
    const warehouse = duckdbWarehouse({ path: tmp.dbPath, log, lock: { timeoutMs: 5_000 } });
    let rows = 0;
    for (const batch of batches(a, b)) {
      rows += (
        await loadObjects(
          batch.map((key) => ({ bucket, key })),
          { warehouse, store: memoryStore(objects), log },
        )
      ).rows;
    }
    expect(rows).toBe(15);
    expect(await offsetsOnce()).toEqual([{ n: 15, offsets: 15, ledger: [10, 5] }]);
    expect((await rawRowsOf(tmp.dbPath, 'transactions', a)).length).toBe(10);
    const skipped = log.lines.find((l) => l.message === 'records already in RAW not loaded again');
    expect(skipped?.attrs).toMatchObject({ key: b, skipped: 5, rows: 5 });
  });
});
