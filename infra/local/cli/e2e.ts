/**
 * npm run e2e -- [--iterations 20] [--seed 42] [--interval 250ms] [--timeout 300s] [--skip-dbt] [--fresh] [--burst 150000]
 *
 * Continues the persistent e2e pipeline state (consumer group + warehouse under .stack/e2e/main);
 * --fresh starts a new one, which replays every topic from the beginning. --burst N first commits at
 * least N changes with the connector paused, so they reach Kafka as one backlog on resume.
 * A bounded run of the whole pipeline; prints the reconciliation as JSON and exits 0 only on an
 * exact match between Postgres and the warehouse (and the dbt models).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { argsOrUsage } from './util/usage';
import { runE2e, pruneRuns, PERSISTENT_RUN } from './e2e-run';
import { makeContext } from '../stack/context';
import { parseDuration } from '../../../functions/generator/options';

function parseCount(flag: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new Error(`${flag} must be a whole number of changes, got ${JSON.stringify(v)}`);
  return Number(v);
}

const USAGE = `usage: npm run e2e -- [--iterations 20] [--seed 42] [--interval 250ms] [--timeout 300s] [--skip-dbt] [--fresh] [--burst N]
  A bounded run of the whole pipeline on the running stack; prints the reconciliation as JSON and
  exits 0 only on an exact match. --fresh: a new pipeline state (replays every topic); --burst N:
  first commit N changes with the connector paused.`;

function parseE2eArgs() {
  return parseArgs({
    options: {
      iterations: { type: 'string', default: '20' },
      seed: { type: 'string', default: '42' },
      interval: { type: 'string', default: '250ms' },
      timeout: { type: 'string', default: '300s' },
      'skip-dbt': { type: 'boolean', default: false },
      fresh: { type: 'boolean', default: false },
      burst: { type: 'string', default: '0' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
}

async function main(): Promise<number> {
  const values = argsOrUsage('[e2e]', USAGE, parseE2eArgs);
  pruneRuns(makeContext({ quiet: true }).stackDir);
  const report = await runE2e({
    iterations: Number(values.iterations),
    seed: Number(values.seed),
    intervalMs: parseDuration(values.interval!),
    catchUpTimeoutMs: parseDuration(values.timeout!),
    skipDbt: values['skip-dbt'],
    burst: parseCount('--burst', values.burst!),
    ...(values.fresh ? {} : { runId: PERSISTENT_RUN }),
  });
  console.log(JSON.stringify(report, null, 2));
  // The pipeline page shows the last one (infra/local/dashboard/reconcile.ts).
  writeFileSync(join(makeContext({ quiet: true }).stackDir, 'e2e', 'last-report.json'), JSON.stringify(report, null, 2));
  return report.match ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[e2e] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
