/**
 * Generator throughput: committed transactions per second that the generator sustains against the
 * local Postgres, iterations back to back (interval 0), for the default iteration shape (10
 * customers, 20 accounts, 50 transactions) and for large iterations (2000 transactions each).
 * Each scenario runs in a fresh scratch schema (same DDL as sql/postgres, outside the Debezium
 * publication) so the figure is the generator's + Postgres's, and the shared tables and Kafka
 * topics are not flooded; the ledger invariant is checked in SQL afterwards.
 *
 *   npx tsx bench/generator.bench.ts [seconds per scenario]   -> bench/results/generator.json
 */
import { machineInfo, type Machine } from './machine';
import { writeResult } from './results';
import { join } from 'node:path';
import { connectFromConfig, parseGeneratorOptions, runGenerator } from '../functions/generator';
import type { LoopLogger } from '../functions/generator/loop';
import { loadSettings } from '../infra/local/stack/settings';
import { LEDGER_VIOLATIONS_SQL } from './fixtures/ledgerSql';
import { createScratchSchema } from './fixtures/scratchSchema';

export interface GeneratorBenchOptions {
  /** Wall time per scenario. */
  seconds?: number;
  out?: string;
}

export interface ScenarioResult {
  scale: { customers: number; accounts: number; transactions: number };
  iterations: number;
  failedIterations: number;
  seconds: number;
  /** Committed transaction rows (opening deposits, activity, payouts) per second. */
  transactionsPerSec: number;
  iterationsPerSec: number;
  msPerIteration: number;
  rowsWritten: { customers: number; accounts: number; transactions: number; updates: number; deletes: number };
  ledgerViolations: number;
}

export interface GeneratorBenchResult {
  kind: 'generator';
  measuredAt: string;
  machine: Machine & { postgres: string };
  params: { secondsPerScenario: number; target: string };
  defaultScale: ScenarioResult;
  largeIterations: ScenarioResult;
}

const silent: LoopLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function scenario(scale: ScenarioResult['scale'], seconds: number): Promise<ScenarioResult> {
  const cfg = loadSettings();
  const schema = await createScratchSchema(cfg, 'bench_generator');
  try {
    const summary = await runGenerator({
      options: parseGeneratorOptions({ intervalMs: 0, seed: 1, scale }),
      connect: connectFromConfig(cfg, { schema: schema.name }),
      logger: silent,
      signal: AbortSignal.timeout(seconds * 1000), // stops after the iteration in flight
    });
    const { rows } = await schema.client.query(LEDGER_VIOLATIONS_SQL, [true]);
    const secs = summary.durationMs / 1000;
    const t = summary.totals;
    return {
      scale,
      iterations: summary.succeeded,
      failedIterations: summary.failed,
      seconds: round(secs, 2),
      transactionsPerSec: Math.round(t.inserted.transactions / secs),
      iterationsPerSec: round(summary.succeeded / secs, 1),
      msPerIteration: round(summary.durationMs / Math.max(1, summary.succeeded), 2),
      rowsWritten: {
        customers: t.inserted.customers,
        accounts: t.inserted.accounts,
        transactions: t.inserted.transactions,
        updates: t.updated.customers + t.updated.accounts,
        deletes: t.deleted.customers,
      },
      ledgerViolations: rows.length,
    };
  } finally {
    await schema.drop();
  }
}

export async function runGeneratorBench(opts: GeneratorBenchOptions = {}): Promise<GeneratorBenchResult> {
  const seconds = opts.seconds ?? 20;
  const cfg = loadSettings();
  const probe = await createScratchSchema(cfg, 'bench_probe');
  const postgres = (await probe.client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]!.v;
  await probe.drop();

  const defaultScale = await scenario({ customers: 10, accounts: 20, transactions: 50 }, seconds);
  const largeIterations = await scenario({ customers: 50, accounts: 100, transactions: 2000 }, seconds);
  const result: GeneratorBenchResult = {
    kind: 'generator',
    measuredAt: new Date().toISOString(),
    machine: { ...machineInfo(), postgres },
    params: {
      secondsPerScenario: seconds,
      target: `${cfg.POSTGRES_HOST}:${cfg.POSTGRES_PORT}/${cfg.POSTGRES_DB} (scratch schema)`,
    },
    defaultScale,
    largeIterations,
  };
  const out = opts.out ?? join(__dirname, 'results', 'generator.json');
  return writeResult(out, result);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

if (require.main === module) {
  const [seconds] = process.argv.slice(2).map(Number);
  runGeneratorBench({ seconds: seconds || undefined }).then(
    (r) => {
      console.log(JSON.stringify(r, null, 2));
      if (r.defaultScale.ledgerViolations || r.largeIterations.ledgerViolations) process.exitCode = 1;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
