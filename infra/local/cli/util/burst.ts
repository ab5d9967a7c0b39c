/**
 * A burst: at least `changes` row changes committed as fast as the generator commits them, in its
 * fastest shape (big iterations, no pause). The capture bench times Debezium on one; `npm run e2e
 * -- --burst N` checks that the pipeline catches up after one and still matches exactly.
 */
import { connectFromConfig, parseGeneratorOptions, runGenerator, type RunSummary } from '../../../../functions/generator';
import type { GeneratorConfig } from '../../../../functions/generator';

/** Row changes a generator run committed (inserts + updates + deletes). */
export function changesOf(s: Pick<RunSummary, 'totals'>): number {
  const t = s.totals;
  return (
    t.inserted.customers +
    t.inserted.accounts +
    t.inserted.transactions +
    t.updated.customers +
    t.updated.accounts +
    t.deleted.customers
  );
}

export async function commitBurst(cfg: GeneratorConfig, changes: number, seed: number): Promise<RunSummary> {
  // One iteration of this scale is ~2,500 inserts and ~200 updates.
  return runGenerator({
    options: parseGeneratorOptions({
      iterations: Math.ceil(changes / 2600),
      intervalMs: 0,
      seed,
      scale: { customers: 100, accounts: 200, transactions: 2000 },
    }),
    connect: connectFromConfig(cfg),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
}
