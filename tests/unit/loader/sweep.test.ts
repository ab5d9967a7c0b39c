import { sweep, sweepPrefixes, WATERMARK_MARGIN_MS, type SweepCursor } from '../../../functions/loader/sweep';
import type { ObjectStore } from '../../../functions/loader/s3ObjectStore';
import { CorruptObjectError } from '../../../functions/loader/errors';
import { type Warehouse } from '../../../functions/loader/port';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

test('the sweep covers every table for the last N UTC dates, newest day first', () => {
  const now = new Date('2026-12-02T00:30:00Z');
  expect(sweepPrefixes(1, now)).toEqual([
    'customers/date=2026-12-02/',
    'accounts/date=2026-12-02/',
    'transactions/date=2026-12-02/',
  ]);
  expect(sweepPrefixes(2, now).filter((p) => p.startsWith('accounts/'))).toEqual([
    'accounts/date=2026-12-02/',
    'accounts/date=2026-12-01/',
  ]);
  expect(() => sweepPrefixes(0, now)).toThrow(/positive integer/);
  // CAPTURED_TABLES names the folders: a table tables.ts does not declare is swept too.
  expect(sweepPrefixes(1, now, ['customers', 'loan_risk'])).toEqual(['customers/date=2026-12-02/', 'loan_risk/date=2026-12-02/']);
});

test('the sweep loads what the ledger lacks among the listed objects, and nothing it has', async () => {
  const key = (t: string, n: number) => `${t}/date=2026-12-02/${t}+0+${n}-${n}.parquet`;
  const listed: Record<string, string[]> = {
    'accounts/date=2026-12-02/': [key('accounts', 1), key('accounts', 2), 'accounts/date=2026-12-02/notes.txt'],
  };
  const store: ObjectStore = {
    async *list(_bucket, prefix) {
      for (const k of listed[prefix] ?? []) yield { key: k, etag: 'e', size: 1 };
    },
    download: async () => ({ etag: 'e' }),
  };
  const ledger = new Set([key('accounts', 1)]);
  const loaded: string[] = [];
  const warehouse: Warehouse = {
    name: 'fake',
    open: async () => ({
      loadedKeys: async (keys) => new Set(keys.filter((k) => ledger.has(k))),
      loadAll: async (objects) =>
        objects.map((o) => {
          loaded.push(o.key);
          return { status: 'loaded' as const, rows: 5 };
        }),
      recordFailure: async () => undefined,
      close: async () => undefined,
    }),
    release: async () => undefined,
  };
  const report = await sweep({ bucket: 'b', days: 1, now: new Date('2026-12-02T10:00:00Z') }, { warehouse, store, log: quiet });
  expect(loaded).toEqual([key('accounts', 2)]);
  expect([report.loaded, report.rows, report.alreadyLoaded, report.failed]).toEqual([1, 5, 1, 0]);
});

describe('a sweep that scales', () => {
  const day = '2026-12-02';
  const key = (t: string, n: number) => `${t}/date=${day}/${t}+0+${n}-${n}.parquet`;
  const now = new Date(`${day}T10:00:00Z`);
  const hour = 3_600_000;
  function lake(perTable: number, failing?: string) {
    const listed: Record<string, string[]> = {};
    for (const t of ['customers', 'accounts', 'transactions'])
      listed[`${t}/date=${day}/`] = Array.from({ length: perTable }, (_, i) => key(t, i)).sort();
    // Stored an hour before the sweep, unless a test says otherwise.
    const storedAt = new Map<string, number>();
    const pages: string[] = [];
    const store: ObjectStore = {
      async *list() {},
      async *listPages(_bucket, prefix) {
        if (prefix === failing) throw new Error('AccessDenied');
        const keys = [...(listed[prefix] ?? [])].sort();
        for (let i = 0; i < keys.length; i += 10) {
          pages.push(prefix);
          yield keys
            .slice(i, i + 10)
            .map((k) => ({ key: k, etag: 'e', size: 1, lastModified: storedAt.get(k) ?? now.getTime() - hour }));
        }
      },
      download: async () => ({ etag: 'e' }),
    };
    const ledger = new Set(Object.values(listed).flat());
    const lookups: number[] = [];
    const loads: string[][] = [];
    const loaded: string[] = [];
    const corrupt = new Set<string>();
    const warehouse: Warehouse = {
      name: 'fake',
      open: async () => ({
        loadedKeys: async (keys) => {
          lookups.push(keys.length);
          return new Set(keys.filter((k) => ledger.has(k)));
        },
        loadAll: async (objects) => {
          loads.push(objects.map((o) => o.key));
          const bad = objects.find((o) => corrupt.has(o.key));
          if (bad) throw new CorruptObjectError(bad.key, 'not Parquet');
          return objects.map((o) => {
            loaded.push(o.key);
            ledger.add(o.key);
            return { status: 'loaded' as const, rows: 1 };
          });
        },
        recordFailure: async () => undefined,
        close: async () => undefined,
      }),
      release: async () => undefined,
    };
    return { store, warehouse, ledger, listed, storedAt, lookups, loads, loaded, pages, corrupt };
  }

  test("a prefix's listing pages are compared with the ledger in one query per chunk; only the missing are loaded", async () => {
    const l = lake(35);
    for (const n of [3, 17, 34]) l.ledger.delete(key('accounts', n));
    const report = await sweep(
      { bucket: 'b', days: 1, now, cursor: {}, lookupKeys: 20 },
      { warehouse: l.warehouse, store: l.store, log: quiet },
    );
    expect(l.loaded.sort()).toEqual([key('accounts', 17), key('accounts', 3), key('accounts', 34)].sort());
    // 3 prefixes x 4 pages of up to 10 keys, gathered into chunks of 20: 2 look-ups a prefix, none
    // per page or per object (and the loader's own check of the 3 it loads).
    expect([...l.lookups].sort((a, b) => a - b)).toEqual([3, 15, 15, 15, 20, 20, 20]);
    expect(report).toMatchObject({ listed: 105, compared: 105, loaded: 3, complete: true, prefixesFailed: [] });
  });

  test('where the warehouse has range look-ups, a whole prefix is one query from its first key to its last', async () => {
    const l = lake(35);
    l.ledger.delete(key('customers', 5));
    const ranges: Array<[string, string]> = [];
    const warehouse: Warehouse = {
      ...l.warehouse,
      open: async () => {
        const s = await l.warehouse.open();
        return {
          ...s,
          loadedKeysBetween: async (first, last) => {
            ranges.push([first, last]);
            return new Set([...l.ledger].filter((k) => k >= first && k <= last));
          },
        };
      },
    };
    const report = await sweep({ bucket: 'b', days: 1, now, cursor: {} }, { warehouse, store: l.store, log: quiet });
    const sorted = (t: string) => l.listed[`${t}/date=${day}/`]!;
    expect(ranges).toEqual(['customers', 'accounts', 'transactions'].map((t) => [sorted(t)[0], sorted(t)[sorted(t).length - 1]]));
    expect(report).toMatchObject({ compared: 105, loaded: 1 });
  });

  test('the missing objects of every prefix are loaded together, in batches of batchSize', async () => {
    const l = lake(20);
    for (const t of ['customers', 'accounts', 'transactions']) for (const n of [1, 11]) l.ledger.delete(key(t, n));
    await sweep({ bucket: 'b', days: 1, now, cursor: {}, batchSize: 4 }, { warehouse: l.warehouse, store: l.store, log: quiet });
    expect(l.loaded).toHaveLength(6);
    expect(l.loads.map((b) => b.length)).toEqual([4, 2]);
  });

  test('the next run compares only what was stored after the watermark; the ledger is not read for the rest', async () => {
    const l = lake(30);
    const cursor: SweepCursor = {};
    const deps = { warehouse: l.warehouse, store: l.store, log: quiet };
    const first = await sweep({ bucket: 'b', days: 1, now, cursor }, deps);
    expect(first).toMatchObject({ listed: 90, compared: 90, complete: true });
    expect(cursor.verifiedBefore?.[`accounts/date=${day}/`]).toBe(now.getTime() - WATERMARK_MARGIN_MS);

    // Ten minutes later two objects arrived that the ledger lacks (lost notifications), one of
    // them stored just before the first listing (an upload that ended after it): both are found.
    const later = new Date(now.getTime() + 10 * 60_000);
    for (const [n, at] of [
      [40, later.getTime() - 60_000],
      [41, now.getTime() - 1_000],
    ] as const) {
      l.listed[`accounts/date=${day}/`]!.push(key('accounts', n));
      l.storedAt.set(key('accounts', n), at);
    }
    l.lookups.length = 0;
    const second = await sweep({ bucket: 'b', days: 1, now: later, cursor }, deps);
    expect(l.loaded.sort()).toEqual([key('accounts', 40), key('accounts', 41)]);
    expect(second).toMatchObject({ listed: 92, compared: 2, loaded: 2, complete: true });
    // One look-up for the two new keys, one by the loader before it loads them.
    expect(l.lookups).toEqual([2, 2]);
  });

  test('an object that fails to load keeps its prefix watermark below it, so every run retries it', async () => {
    const l = lake(10);
    const bad = key('customers', 99);
    l.listed[`customers/date=${day}/`]!.push(bad);
    l.storedAt.set(bad, now.getTime() - 2 * hour);
    l.corrupt.add(bad);
    const cursor: SweepCursor = {};
    const deps = { warehouse: l.warehouse, store: l.store, log: quiet };
    const first = await sweep({ bucket: 'b', days: 1, now, cursor }, deps);
    expect(first.failed).toBe(1);
    expect(first.complete).toBe(false);
    expect(cursor.verifiedBefore?.[`customers/date=${day}/`]).toBe(now.getTime() - 2 * hour);
    expect(cursor.verifiedBefore?.[`accounts/date=${day}/`]).toBe(now.getTime() - WATERMARK_MARGIN_MS);
    const second = await sweep({ bucket: 'b', days: 1, now: new Date(now.getTime() + hour), cursor }, deps);
    expect(second.failed).toBe(1);
    // The failed object and everything stored after it in that prefix were compared again.
    expect(second.compared).toBe(11);
  });

  test('one failing prefix does not stop the others, and is reported', async () => {
    const l = lake(5, `accounts/date=${day}/`);
    l.ledger.delete(key('transactions', 2));
    const cursor: SweepCursor = {};
    const report = await sweep({ bucket: 'b', days: 1, now, cursor }, { warehouse: l.warehouse, store: l.store, log: quiet });
    expect(l.loaded).toEqual([key('transactions', 2)]);
    expect(report.prefixesFailed).toEqual([{ prefix: `accounts/date=${day}/`, reason: expect.stringContaining('AccessDenied') }]);
    expect(report.complete).toBe(false);
    expect(cursor).toMatchObject({ pending: [`accounts/date=${day}/`] });
    expect(cursor.verifiedBefore?.[`accounts/date=${day}/`]).toBeUndefined();
  });

  test('stops before the deadline and the next run starts with the prefixes it did not finish', async () => {
    const l = lake(30);
    let t = 0;
    const cursor: SweepCursor = {};
    // Each look-up costs 10 s of a 55 s invocation (20 s kept free): it stops after a few chunks.
    const deps = { warehouse: l.warehouse, store: l.store, log: quiet, deadline: 55_000, now: () => t };
    const first = await sweep(
      { bucket: 'b', days: 1, now, cursor, concurrency: 1, lookupKeys: 10 },
      {
        ...deps,
        warehouse: {
          ...l.warehouse,
          open: async () => {
            const s = await l.warehouse.open();
            return {
              ...s,
              loadedKeys: async (k) => {
                t += 10_000;
                return s.loadedKeys(k);
              },
            };
          },
        },
      },
    );
    expect(first.complete).toBe(false);
    // customers swept (3 chunks), accounts stopped after its first chunk, transactions not reached.
    expect(l.lookups).toHaveLength(4);
    expect(cursor.pending).toEqual([`accounts/date=${day}/`, `transactions/date=${day}/`]);
    expect(Object.keys(cursor.verifiedBefore ?? {})).toEqual([`customers/date=${day}/`]);
    t = 0;
    l.pages.length = 0;
    const second = await sweep({ bucket: 'b', days: 1, now, cursor, concurrency: 1 }, { ...deps, deadline: undefined });
    expect(second.complete).toBe(true);
    // The unfinished prefixes first; customers, verified, is listed but not compared again.
    expect(l.pages[0]).toBe(`accounts/date=${day}/`);
    expect(second).toMatchObject({ listed: 90, compared: 60 });
  });
});
