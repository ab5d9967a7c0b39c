/** Turns what the sources last read into the Status the page and /api/status show. */
import { parseObjectKey } from '../../../functions/shared/objectKeys';
import type { Settings } from '../stack/settings';
import type { Figures } from './collector';
import { links } from './health';
import type { History, Sample } from './history';
import type { SourceState, Stage, Status } from './types';

const RATES = ['generated', 'captured', 'written', 'lake', 'loaded', 'modelled'] as const;
const LEVELS = ['lag', 'waiting'] as const;

export interface BuildInput {
  figures: Figures;
  history: History;
  withHistory: boolean;
  sources: SourceState[];
  cfg: Settings;
  warehousePath: string;
  lastE2e: Status['reconciliation']['lastE2e'];
  lastVerify?: Status['reconciliation']['lastVerify'];
}

const sum = (xs: Iterable<number>) => [...xs].reduce((a, b) => a + b, 0);
const fmt = (n: number) => n.toLocaleString('en-US');

export function buildStatus(i: BuildInput): Status {
  const f = i.figures;
  const w = f.warehouse;
  const now = Date.now();
  const errored = new Set(w?.erroredKeys ?? []);
  const objects = f.lake?.objects ?? [];
  const waiting = objects.filter((o) => !f.loaded.has(o.key) && !errored.has(o.key));
  const oldest = waiting.reduce((m, o) => Math.min(m, o.lastModified), Infinity);
  const lakeRows = recordsCovered(objects);
  const loaded = w ? sum(Object.values(w.rawRows)) : null;
  const fact = w?.models.fact_transactions;
  const stage = (name: (typeof RATES)[number], count: number | null, what: string, detail?: string): Stage => ({
    count,
    rate: i.history.rate(name),
    what,
    ...(detail ? { detail } : {}),
  });
  const partitions = f.kafka?.partitions ?? [];
  const newest = w?.latency.length ? w.latency[w.latency.length - 1]! : undefined;
  return {
    now,
    sourceRows: f.sourceRows ?? null,
    stages: {
      generated: stage(
        'generated',
        f.postgres?.changes ?? null,
        'row changes committed in Postgres',
        f.sourceRows !== undefined ? `${fmt(f.sourceRows)} rows in the source now` : undefined,
      ),
      captured: stage(
        'captured',
        f.kafka?.captured ?? null,
        'change records in Kafka (Debezium)',
        `${partitions.length} partitions`,
      ),
      written: stage(
        'written',
        f.kafka?.written ?? null,
        'records the writer committed (offsets)',
        f.groups.map((g) => g.groupId).join(', '),
      ),
      lake: stage(
        'lake',
        f.lake ? lakeRows : null,
        'Kafka records in Parquet objects in MinIO',
        f.lake ? `${fmt(objects.length)} objects, ${(sum(objects.map((o) => o.bytes)) / 1e6).toFixed(1)} MB` : undefined,
      ),
      loaded: stage('loaded', loaded, 'change rows in warehouse RAW', w ? `${fmt(w.loads)} objects in raw._loads` : undefined),
      modelled: stage(
        'modelled',
        fact ?? null,
        'rows in dbt fact_transactions',
        f.dbtRun ?? (w && fact === undefined ? 'no dbt models yet' : undefined),
      ),
    },
    lag: {
      total: f.kafka ? sum(partitions.map((p) => p.lag)) : null,
      partitions,
      groups: f.groups.map((g) => g.groupId),
    },
    lake: {
      objects: objects.length,
      bytes: sum(objects.map((o) => o.bytes)),
      rows: lakeRows,
      waiting: waiting.length,
      oldestWaitingMs: waiting.length ? now - oldest : null,
      waitingSample: waiting.slice(0, 5).map((o) => o.key),
    },
    latency: { buckets: w?.latency ?? [], p50: newest?.p50 ?? null, p99: newest?.p99 ?? null },
    deadLetters: { count: f.lake?.deadLetters ?? 0, recent: f.lake?.recentDeadLetters ?? [] },
    loadErrors: { count: w?.loadErrors ?? 0, recent: w?.recentErrors ?? [] },
    reconciliation: {
      ...(f.reconciliation ? { live: f.reconciliation } : {}),
      ...(f.reconciliationDeferred ? { deferred: f.reconciliationDeferred } : {}),
      ...(i.lastE2e ? { lastE2e: i.lastE2e } : {}),
      ...(i.lastVerify ? { lastVerify: i.lastVerify } : {}),
    },
    dbt: { ...(f.dbtRun ? { lastRun: f.dbtRun } : {}), models: w?.models ?? {} },
    services: f.services,
    links: links(i.cfg),
    history: i.withHistory ? i.history.columns(RATES, LEVELS) : { t: [], series: {} },
    sources: i.sources.map((s) =>
      s.name === 'warehouse' && f.warehouseHeldMs !== undefined ? { ...s, heldMs: f.warehouseHeldMs } : s,
    ),
    warehousePath: i.warehousePath,
  };
}

/**
 * Kafka records the lake's objects cover, each counted once: a retry batched differently writes
 * objects whose offset ranges overlap earlier ones (see README, "Nothing doubled"), so ranges are
 * merged per table and partition. Comparable with the writer's committed offsets.
 */
export function recordsCovered(objects: readonly { key: string }[]): number {
  const ranges = new Map<string, [number, number][]>();
  for (const o of objects) {
    const c = parseObjectKey(o.key);
    if (!c) continue;
    const list = ranges.get(`${c.table}:${c.partition}`) ?? [];
    list.push([Number(c.firstOffset), Number(c.lastOffset)]);
    ranges.set(`${c.table}:${c.partition}`, list);
  }
  let total = 0;
  for (const list of ranges.values()) {
    list.sort((a, b) => a[0] - b[0]);
    let [start, end] = list[0]!;
    for (const [a, b] of list.slice(1)) {
      if (a > end + 1) {
        total += end - start + 1;
        [start, end] = [a, b];
      } else end = Math.max(end, b);
    }
    total += end - start + 1;
  }
  return total;
}

/** The cumulative counts and levels one history sample keeps. */
export function sampleOf(s: Status): Sample {
  const out: Sample = {};
  for (const r of RATES) out[r] = s.stages[r].count;
  out.lag = s.lag.total;
  out.waiting = s.lake.objects ? s.lake.waiting : null;
  return out;
}
