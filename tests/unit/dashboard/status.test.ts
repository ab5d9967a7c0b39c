import { loadSettings } from '../../../infra/local/stack/settings';
import type { Figures } from '../../../infra/local/dashboard/collector';
import { History } from '../../../infra/local/dashboard/history';
import { progressLine } from '../../../infra/local/dashboard/progress';
import { buildStatus, recordsCovered, sampleOf } from '../../../infra/local/dashboard/status';

const key = (table: string, p: number, a: number, b: number) => `${table}/date=2026-12-02/${table}+${p}+${a}-${b}.parquet`;

function figures(): Figures {
  const objects = [
    { key: key('accounts', 0, 0, 99), bytes: 1000, span: 100, lastModified: Date.now() - 9000 },
    { key: key('accounts', 0, 100, 149), bytes: 500, span: 50, lastModified: Date.now() - 4000 },
    { key: key('transactions', 0, 0, 9), bytes: 200, span: 10, lastModified: Date.now() - 3000 },
  ];
  return {
    groups: [{ groupId: 'g1', topics: ['banking_server.public.accounts', 'banking_server.public.transactions'] }],
    groupsResolved: true,
    postgres: { changes: 400, rows: { accounts: 20 } },
    sourceRows: 320,
    kafka: {
      captured: 300,
      written: 250,
      partitions: [
        { groupId: 'g1', topic: 'banking_server.public.accounts', partition: 0, end: 200, committed: 150, lag: 50 },
        { groupId: 'g1', topic: 'banking_server.public.transactions', partition: 0, end: 100, committed: 100, lag: 0 },
      ],
    },
    lake: { objects, deadLetters: 1, recentDeadLetters: [{ key: '_dlq/t/0-5.json', reason: 'value is not JSON', at: 1 }] },
    // The first object is loaded (98 rows: two of its records were tombstones); the third failed to load.
    loaded: new Map([[objects[0]!.key, 98]]),
    warehouse: {
      rawRows: { accounts: 98 },
      loads: 1,
      loadErrors: 1,
      newLoads: [],
      erroredKeys: [objects[2]!.key],
      recentErrors: [{ key: objects[2]!.key, reason: 'not a readable Parquet file', at: 2 }],
      latency: [
        { t: 1000, p50: 1500, p99: 4000, rows: 10 },
        { t: 6000, p50: 1800, p99: 5900, rows: 20 },
      ],
      models: { fact_transactions: 7 },
    },
    services: [],
    dbtRun: 'banking_dbt success (18:00:00Z)',
  };
}

const build = (f: Figures, history = new History()) =>
  buildStatus({
    figures: f,
    history,
    withHistory: true,
    sources: [],
    cfg: loadSettings({}),
    warehousePath: 'w',
    lastE2e: undefined,
  });

test('objects waiting = in the lake, neither in the ledger nor failed; lake records = offsets covered', () => {
  const s = build(figures());
  expect(s.lake.objects).toBe(3);
  expect(s.lake.waiting).toBe(1);
  expect(s.lake.waitingSample).toEqual([key('accounts', 0, 100, 149)]);
  expect(s.lake.oldestWaitingMs).toBeGreaterThanOrEqual(4000);
  expect(s.lake.rows).toBe(100 + 50 + 10);
  expect(s.stages.lake.count).toBe(160);
});

test('stage counts, lag, latency and the problems come through as read', () => {
  const s = build(figures());
  expect(s.stages.generated.count).toBe(400);
  expect(s.stages.captured.count).toBe(300);
  expect(s.stages.written.count).toBe(250);
  expect(s.stages.loaded.count).toBe(98);
  expect(s.stages.modelled.count).toBe(7);
  expect(s.lag.total).toBe(50);
  expect(s.lag.groups).toEqual(['g1']);
  expect(s.latency).toMatchObject({ p50: 1800, p99: 5900 });
  expect(s.deadLetters.count).toBe(1);
  expect(s.loadErrors.recent[0]!.reason).toMatch(/Parquet/);
});

test('nothing read yet: counts are null, not zero', () => {
  const s = build({ groups: [], groupsResolved: false, loaded: new Map(), services: [] });
  for (const st of Object.values(s.stages)) expect(st.count).toBeNull();
  expect(s.lag.total).toBeNull();
  expect(progressLine(s)).toContain('captured ?');
});

test('rates come from the history of samples', () => {
  const h = new History();
  const f = figures();
  h.add(0, sampleOf(build(f, h)));
  f.kafka!.captured += 100;
  h.add(10_000, sampleOf(build(f, h)));
  expect(build(f, h).stages.captured.rate).toBe(10);
});

test('the terminal line keeps its figures', () => {
  const line = progressLine(build(figures()));
  expect(line).toMatch(/source rows 320 \| captured 300 \| written 250 \| loaded 98 \| kafka lag 50 \| waiting 1/);
  expect(line).toContain('fact_transactions 7, banking_dbt success');
  expect(line).toContain('p50 1.8s, p99 5.9s');
});

test('overlapping objects (a retry batched differently) count their records once', () => {
  const objs = [key('accounts', 0, 0, 99), key('accounts', 0, 50, 149), key('accounts', 0, 200, 209), key('accounts', 1, 0, 9)];
  expect(recordsCovered(objs.map((k) => ({ key: k })))).toBe(150 + 10 + 10);
});
