import { sweep, sweepPrefixes } from '../../../functions/loader/sweep';
import type { ObjectStore } from '../../../functions/loader/objectStore';
import type { Warehouse } from '../../../functions/loader/port';

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
  function lake(perTable: number, failing?: string) {
    const listed: Record<string, string[]> = {};
    for (const t of ['customers', 'accounts', 'transactions'])
      listed[`${t}/date=${day}/`] = Array.from({ length: perTable }, (_, i) => key(t, i)).sort();
    const pages: string[] = [];
    const store: ObjectStore = {
      async *list() {},
      async *listPages(_bucket, prefix, startAfter) {
        if (prefix === failing) throw new Error('AccessDenied');
        const keys = (listed[prefix] ?? []).filter((k) => startAfter === undefined || k > startAfter);
        for (let i = 0; i < keys.length; i += 10) {
          pages.push(prefix);
          yield keys.slice(i, i + 10).map((k) => ({ key: k, etag: 'e', size: 1 }));
        }
      },
      download: async () => ({ etag: 'e' }),
    };
    const ledger = new Set(Object.values(listed).flat());
    const lookups: number[] = [];
    const loaded: string[] = [];
    const warehouse: Warehouse = {
      name: 'fake',
      open: async () => ({
        loadedKeys: async (keys) => {
          lookups.push(keys.length);
          return new Set(keys.filter((k) => ledger.has(k)));
        },
        loadAll: async (objects) =>
          objects.map((o) => {
            loaded.push(o.key);
            ledger.add(o.key);
            return { status: 'loaded' as const, rows: 1 };
          }),
        recordFailure: async () => undefined,
        close: async () => undefined,
      }),
      release: async () => undefined,
    };
    return { store, warehouse, ledger, lookups, loaded, pages };
  }
  const now = new Date(`${day}T10:00:00Z`);

  test('each listing page is compared with the ledger in one query; only the missing are loaded', async () => {
    const l = lake(35);
    for (const n of [3, 17, 34]) l.ledger.delete(key('accounts', n));
    const report = await sweep({ bucket: 'b', days: 1, now, cursor: {} }, { warehouse: l.warehouse, store: l.store, log: quiet });
    expect(l.loaded.sort()).toEqual([key('accounts', 17), key('accounts', 3), key('accounts', 34)].sort());
    // 3 prefixes x 4 pages of up to 10 keys: one look-up per page, none per object (and the
    // loader's own check of the 3 it loads).
    expect(l.lookups).toHaveLength(13);
    expect(report).toMatchObject({ listed: 105, loaded: 3, complete: true, prefixesFailed: [] });
  });

  test('one failing prefix does not stop the others, and is reported', async () => {
    const l = lake(5, `accounts/date=${day}/`);
    l.ledger.delete(key('transactions', 2));
    const cursor = {};
    const report = await sweep({ bucket: 'b', days: 1, now, cursor }, { warehouse: l.warehouse, store: l.store, log: quiet });
    expect(l.loaded).toEqual([key('transactions', 2)]);
    expect(report.prefixesFailed).toEqual([{ prefix: `accounts/date=${day}/`, reason: expect.stringContaining('AccessDenied') }]);
    expect(report.complete).toBe(false);
    expect(cursor).toMatchObject({ pending: [`accounts/date=${day}/`] });
  });

  test('stops before the deadline and the next run resumes from the cursor', async () => {
    const l = lake(30);
    let t = 0;
    const cursor = {};
    // Each look-up costs 10 s of a 55 s invocation (20 s kept free): it stops after a few pages.
    const deps = { warehouse: l.warehouse, store: l.store, log: quiet, deadline: 55_000, now: () => t };
    const lookups = l.lookups;
    const first = await sweep(
      { bucket: 'b', days: 1, now, cursor, concurrency: 1 },
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
    const firstLookups = lookups.length;
    expect(firstLookups).toBeLessThan(9);
    t = 0;
    const second = await sweep({ bucket: 'b', days: 1, now, cursor, concurrency: 1 }, { ...deps, deadline: undefined });
    expect(second.complete).toBe(true);
    // Resumed where it stopped (accounts after its first page, then transactions: 2 + 3 pages),
    // then round to the prefix the first run finished (3 pages): new objects may have come there.
    expect(firstLookups).toBe(4);
    expect(lookups.length - firstLookups).toBe(8);
    expect(l.pages.slice(firstLookups, firstLookups + 2)).toEqual([`accounts/date=${day}/`, `accounts/date=${day}/`]);
  });
});
