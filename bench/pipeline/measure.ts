/**
 * What the pipeline bench reads back: RAW rows with their commit time and their latency
 * (epoch_ms(_loaded_at) - _source_ts_ms), and the generator's calls that mark a window's end.
 */
import { readFileSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Admin } from 'kafkajs';
import {
  connectFromConfig,
  parseGeneratorOptions,
  runGenerator,
  type GeneratorOptions,
  type IterationResult,
} from '../../functions/generator';
import type { LoopLogger } from '../../functions/generator/loop';
import type { Settings as Config } from '../../infra/local/stack/settings';
import { TABLE_NAMES } from '../../functions/shared/tables';
import { withWarehouse } from '../../infra/local/cli/util/warehouse';
import { sleep } from '../../infra/local/stack/proc';
import { changesOf } from '../../infra/local/cli/util/burst';
import type { LatencyWindow } from './verdict';

export interface Latency {
  rows: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface Rig {
  cfg: Config;
  warehousePath: string;
  log: (m: string) => void;
  /** To sample the topics' end offsets during a step of deposits (pipeline/captureLag.ts). */
  admin?: Admin;
  /** Objects the writer wrote between two moments (epoch ms), from the run's own bucket. */
  objectsWrittenBetween?: (from: number, to: number) => Promise<number>;
}

export const silent: LoopLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * All RAW change rows of the three tables with their commit time and latency. Each Kafka record
 * counts once, at its first arrival (a retried batch may be loaded in two objects).
 */
const RAW_UNION = TABLE_NAMES.map(
  (t) =>
    `SELECT min(_source_ts_ms) AS ts, min(epoch_ms(_loaded_at)) - min(_source_ts_ms) AS lat FROM raw.${t} ` +
    `GROUP BY _kafka_topic, _kafka_partition, _kafka_offset`,
).join(' UNION ALL ');

export async function latencyBetween(db: DuckDBConnection, from: number, to: number): Promise<Latency> {
  const r = await db.runAndReadAll(
    `SELECT count(*), quantile_cont(lat, 0.5), quantile_cont(lat, 0.9), quantile_cont(lat, 0.99), max(lat)
       FROM (${RAW_UNION}) WHERE ts BETWEEN ${from} AND ${to}`,
  );
  const [n, p50, p90, p99, max] = r.getRows()[0]!.map((v) => (v === null ? 0 : Number(v)));
  return { rows: n!, p50: Math.round(p50!), p90: Math.round(p90!), p99: Math.round(p99!), max: Math.round(max!) };
}

/** Latest commit time loaded per RAW table (0 when the table is empty or missing). */
async function latestPerTable(path: string): Promise<number[]> {
  return withWarehouse(path, async (db) => {
    const out: number[] = [];
    for (const t of TABLE_NAMES)
      out.push(Number((await db.runAndReadAll(`SELECT coalesce(max(_source_ts_ms), 0) FROM raw.${t}`)).getRows()[0]![0]));
    return out;
  }).catch((err: Error) => {
    if (/does not exist|Catalog Error|No such file/i.test(err.message)) return TABLE_NAMES.map(() => 0);
    throw err;
  });
}

/** One iteration touching all three tables: a window's end marker. Returns when it began (commits come after). */
export async function marker(rig: Rig, seed: number): Promise<number> {
  const began = Date.now();
  await runGenerator({
    options: parseGeneratorOptions({ iterations: 1, intervalMs: 0, seed, scale: { customers: 1, accounts: 1, transactions: 1 } }),
    connect: connectFromConfig(rig.cfg),
    logger: silent,
  });
  return began;
}

/** Wait until every RAW table holds a row committed at or after `sinceMs`; returns when (ms epoch), or null. */
export async function waitDrained(rig: Rig, sinceMs: number, timeoutMs: number, pollMs = 1000): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const latest = await latestPerTable(rig.warehousePath);
    if (latest.every((ts) => ts >= sinceMs)) return Date.now();
    // Each look opens the file read-only, which holds the loader off for a moment: not too often.
    await sleep(pollMs);
  }
  return null;
}

/** Latency of rows committed in [from, to], by consecutive windows of `windowMs` from `from`. */
export async function latencyWindows(db: DuckDBConnection, from: number, to: number, windowMs: number): Promise<LatencyWindow[]> {
  const r = await db.runAndReadAll(
    `SELECT floor((ts - ${from}) / ${windowMs}) AS w, count(*), quantile_cont(lat, 0.99)
       FROM (${RAW_UNION}) WHERE ts BETWEEN ${from} AND ${to} GROUP BY w ORDER BY w`,
  );
  return r.getRows().map(([w, n, p99]) => ({ fromMs: Number(w) * windowMs, rows: Number(n), p99: Math.round(Number(p99)) }));
}

export interface WindowLatency {
  all: Latency;
  thirds: [Latency, Latency, Latency];
  /** By 5 s windows of commit time (STEADY_WINDOW_MS), when asked for. */
  windows?: LatencyWindow[];
}

export const STEADY_WINDOW_MS = 5000;

/** Latency of rows committed in [t0, t1], whole and by thirds, once they are all in RAW. */
export async function windowLatency(
  rig: Rig,
  t0: number,
  t1: number,
  expectRows: number,
  o: { windows?: boolean } = {},
): Promise<WindowLatency> {
  let measured: WindowLatency | undefined;
  // Let stragglers of the window land (a loader retrying on the lock may finish after the marker).
  for (let i = 0; i < 10; i++) {
    measured = await withWarehouse(rig.warehousePath, async (db) => {
      const third = Math.floor((t1 - t0) / 3);
      return {
        all: await latencyBetween(db, t0, t1),
        thirds: [
          await latencyBetween(db, t0, t0 + third),
          await latencyBetween(db, t0 + third, t1 - third),
          await latencyBetween(db, t1 - third, t1),
        ] as [Latency, Latency, Latency],
        ...(o.windows ? { windows: await latencyWindows(db, t0, t1, STEADY_WINDOW_MS) } : {}),
      };
    });
    if (measured.all.rows >= expectRows) break;
    await sleep(2000);
  }
  return measured!;
}

/**
 * Holds the generator to `target` changes/s: after each iteration it sets the next iteration's
 * scale from the changes per customer measured so far and the deficit against the target (a
 * fixed scale calibrated on a small warm-up fell 20% short: changes per customer vary with scale).
 * Mutates `options.scale`, which the generator reads at each iteration.
 */
export function steerRate(options: GeneratorOptions, target: number, startedAt = Date.now()) {
  let changes = 0;
  let customers = 0;
  return (_index: number, result: IterationResult): void => {
    changes += changesOf({ totals: result.counts });
    customers += options.scale.customers;
    const perCustomer = changes / Math.max(1, customers);
    const dueBy = ((Date.now() - startedAt + options.intervalMs) / 1000) * target;
    const next = Math.max(1, Math.round(Math.max(0, dueBy - changes) / Math.max(0.1, perCustomer)));
    // At most twice the nominal scale: far larger iterations cost more per change (an overload aimed
    // at 16k changes/s with up to 4x reached 5.8k, below the 7.9k of the 8k step).
    const c = Math.min(next, 2 * Math.max(1, Math.round((target * options.intervalMs) / 1000 / Math.max(0.1, perCustomer))));
    options.scale = { customers: c, accounts: 2 * c, transactions: 5 * c };
  };
}

/**
 * Waits until `groups` consumer groups have their partitions in the sls offline log (a fresh group's
 * LATEST is resolved then: what is committed before is skipped).
 */
export async function allConsuming(logFile: string, groups: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const count = () =>
    new Set([...readFileSync(logFile, 'utf8').matchAll(/^offline-kafka: .*: group (\S+) assigned /gm)].map((m) => m[1])).size;
  while (count() < groups) {
    if (Date.now() > deadline)
      throw new Error(`only ${count()} of ${groups} consumer groups assigned after ${timeoutMs / 1000}s; see ${logFile}`);
    await sleep(250);
  }
}
