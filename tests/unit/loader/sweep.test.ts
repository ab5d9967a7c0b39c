import { sweep, sweepPrefixes } from '../../../functions/loader/sweep';
import type { ObjectStore } from '../../../functions/loader/objectStore';
import type { Warehouse } from '../../../functions/loader/port';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

test('the sweep covers every table for the last N UTC dates', () => {
  const now = new Date('2026-12-02T00:30:00Z');
  expect(sweepPrefixes(1, now)).toEqual([
    'customers/date=2026-12-02/',
    'accounts/date=2026-12-02/',
    'transactions/date=2026-12-02/',
  ]);
  expect(sweepPrefixes(2, now).filter((p) => p.startsWith('accounts/'))).toEqual([
    'accounts/date=2026-12-01/',
    'accounts/date=2026-12-02/',
  ]);
  expect(() => sweepPrefixes(0, now)).toThrow(/positive integer/);
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
