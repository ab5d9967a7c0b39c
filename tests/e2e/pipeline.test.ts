/**
 * The whole pipeline on the real stack: seeded activity in Postgres reaches the warehouse through
 * Debezium, Kafka, the writer and the loader running under `sls offline`, and dbt's models built
 * on it agree with the source, exactly; and again after a burst of 150k changes that reaches Kafka
 * as one backlog (issue 10: the pipeline must catch up from it, not stall).
 */
import { runE2e, PERSISTENT_RUN, type E2eOptions, type E2eReport } from '../../infra/local/cli/e2e-run';

jest.setTimeout(15 * 60_000);

/** Every current row of the three tables, and the totals, equal in Postgres and the warehouse. */
function expectWarehouseEqualsSource({ raw }: E2eReport): void {
  for (const t of ['customers', 'accounts', 'transactions'] as const) {
    expect([t, raw.diff[t]]).toEqual([t, { missing: 0, extra: 0, different: 0, samples: [] }]);
  }
  expect(raw.warehouse).toEqual(raw.source);
}

/** A run on the persistent consumer groups and warehouse, logged to the console. */
function runPersistent(opts: Pick<E2eOptions, 'iterations' | 'seed' | 'burst' | 'skipDbt'>): Promise<E2eReport> {
  return runE2e({
    intervalMs: 200,
    catchUpTimeoutMs: 600_000,
    runId: PERSISTENT_RUN,
    log: (m) => console.log(`[e2e] ${m}`),
    ...opts,
  });
}

test('source and warehouse reconcile exactly after a seeded run', async () => {
  const report = await runPersistent({ iterations: 12, seed: 7 });
  expect(report.generated.inserted).toBeGreaterThan(0);
  expect(report.generated.updated).toBeGreaterThan(0);
  expectWarehouseEqualsSource(report);
  expect(report.dbt?.problems).toEqual([]);
  expect(report.dbt?.ok).toBe(true);
  expect(report.match).toBe(true);
});

test('after a burst of 150k changes committed while the connector was paused, it catches up and matches exactly', async () => {
  // skipDbt: the test above builds and checks the models.
  const report = await runPersistent({ iterations: 4, seed: 8, burst: 150_000, skipDbt: true });
  expect(report.burst?.changes).toBeGreaterThanOrEqual(150_000);
  expectWarehouseEqualsSource(report);
  expect(report.match).toBe(true);
});
