/**
 * The sweep's cursor survives a cold start: kept in the warehouse (DuckDB, real), so a sweep in a
 * fresh container (a fresh sweep module, a new warehouse instance) compares only what was stored
 * since the last one, and resumes where a run the deadline stopped left off.
 */
import { duckdbWarehouse } from '../../../functions/loader/duckdbWarehouse';
import type { ObjectStore } from '../../../functions/loader/s3ObjectStore';
import type { LoaderDeps } from '../../../functions/loader/loader';
import type { Warehouse } from '../../../functions/loader/port';
import { WATERMARK_MARGIN_MS, type sweep as Sweep } from '../../../functions/loader/sweep';
import { encodeParquet, lakeKey, memoryStore, recordingLog, sampleRows, scratchWarehouse, withDuckdb } from './fixtures';

const bucket = 'banking-data';
const day = '2026-12-02';
const now = new Date(`${day}T10:00:00Z`);
const hour = 3_600_000;
const tmp = scratchWarehouse('wh-marks-', 'banking.duckdb');
const tables = ['customers', 'accounts', 'transactions'] as const;

/** A cold container: the sweep module loaded afresh (its own cursor empty) and a new warehouse instance. */
function coldSweep(): typeof Sweep {
  let fresh: typeof Sweep | undefined;
  jest.isolateModules(() => {
    fresh = (require('../../../functions/loader/sweep') as { sweep: typeof Sweep }).sweep;
  });
  return fresh!;
}

function lake(day: string) {
  const objects = new Map<string, Uint8Array>();
  const storedAt = new Map<string, number>();
  const add = (table: (typeof tables)[number], offset: number, at: number) => {
    const rows = sampleRows(table, 3, { seed: offset, partition: 0, firstOffset: offset });
    const key = lakeKey(table, day, 0, offset, rows.length);
    objects.set(`${bucket}/${key}`, encodeParquet(table, rows));
    storedAt.set(key, at);
    return key;
  };
  const memory = memoryStore(objects);
  const store: ObjectStore = {
    ...memory,
    async *list(b, prefix) {
      for await (const o of memory.list(b, prefix)) yield { ...o, lastModified: storedAt.get(o.key) };
    },
  };
  return { store, add };
}

function deps(store: ObjectStore, warehouse?: Warehouse): LoaderDeps & { log: ReturnType<typeof recordingLog> } {
  const log = recordingLog();
  return {
    store,
    log,
    warehouse: warehouse ?? duckdbWarehouse({ path: tmp.dbPath, log, lock: { timeoutMs: 10_000, initialDelayMs: 20 } }),
  };
}

test('a sweep in a cold container compares only the objects stored since the last sweep (marks kept in the warehouse)', async () => {
  const l = lake(day);
  for (const t of tables) for (const offset of [0, 10]) l.add(t, offset, now.getTime() - hour);
  const first = await coldSweep()({ bucket, days: 1, now }, deps(l.store));
  expect(first).toMatchObject({ listed: 6, compared: 6, loaded: 6, complete: true });
  const marks = await withDuckdb(tmp.dbPath, (q) =>
    q(`SELECT prefix, verified_before, pending FROM raw._sweep_marks ORDER BY prefix`),
  );
  expect(marks).toEqual(
    [...tables].sort().map((t) => ({
      prefix: `${t}/date=${day}/`,
      verified_before: String(now.getTime() - WATERMARK_MARGIN_MS),
      pending: null,
    })),
  );

  // Ten minutes later, in another container: one object arrived that the ledger lacks.
  const later = new Date(now.getTime() + 10 * 60_000);
  const lost = l.add('accounts', 20, later.getTime() - 60_000);
  const second = await coldSweep()({ bucket, days: 1, now: later }, deps(l.store));
  expect(second).toMatchObject({ listed: 7, compared: 1, loaded: 1, complete: true });
  expect(second.outcomes).toEqual([expect.objectContaining({ key: lost, status: 'loaded' })]);
});

test('a run the deadline stopped: its finished prefixes keep their marks, and the next cold run starts with the others', async () => {
  const day = '2026-12-03';
  const now = new Date(`${day}T10:00:00Z`);
  const l = lake(day);
  for (const t of tables) l.add(t, 100, now.getTime() - hour);
  let t = 0;
  const d = deps(l.store);
  // Every warehouse session costs 10 s of an 80 s invocation (20 s kept free): it stops part way.
  const slow: Warehouse = {
    ...d.warehouse,
    open: async (o) => {
      t += 10_000;
      return d.warehouse.open(o);
    },
  };
  const first = await coldSweep()(
    { bucket, days: 1, now, batchSize: 1 },
    { ...d, warehouse: slow, deadline: 80_000, now: () => t },
  );
  expect(first.complete).toBe(false);
  const rows = await withDuckdb(tmp.dbPath, (q) =>
    q(
      `SELECT prefix, verified_before IS NOT NULL AS marked, pending FROM raw._sweep_marks WHERE prefix LIKE '%/date=${day}/' ORDER BY pending NULLS FIRST, prefix`,
    ),
  );
  const done = rows.filter((r) => r.pending === null).map((r) => r.prefix);
  const left = rows.filter((r) => r.pending !== null).map((r) => r.prefix);
  expect(done.length).toBeGreaterThan(0);
  expect(left.length).toBeGreaterThan(0);
  expect(rows.filter((r) => r.pending === null).every((r) => r.marked)).toBe(true);

  const pages: string[] = [];
  const store: ObjectStore = {
    ...l.store,
    async *list(b, prefix) {
      pages.push(prefix);
      yield* l.store.list(b, prefix);
    },
  };
  const second = await coldSweep()({ bucket, days: 1, now }, deps(store));
  expect(second.complete).toBe(true);
  // The prefixes left first; the finished ones are listed but not compared again.
  expect(pages.slice(0, left.length)).toEqual(left);
  expect(second.compared).toBe(left.length);
});

test('a mark that cannot be written is logged; the sweep goes on', async () => {
  const day = '2026-12-04';
  const now = new Date(`${day}T10:00:00Z`);
  const l = lake(day);
  l.add('customers', 200, now.getTime() - hour);
  const d = deps(l.store);
  const failing: Warehouse = {
    ...d.warehouse,
    open: async (o) => ({
      ...(await d.warehouse.open(o)),
      saveSweepMarks: async () => {
        throw new Error('insufficient privileges');
      },
    }),
  };
  const report = await coldSweep()({ bucket, days: 1, now }, { ...d, warehouse: failing });
  expect(report).toMatchObject({ loaded: 1, complete: true });
  expect(d.log.lines).toContainEqual(
    expect.objectContaining({ level: 'warn', attrs: expect.objectContaining({ reason: 'insufficient privileges' }) }),
  );
});
