/** One iteration = one database transaction: lock the pool, plan, write, commit (or roll back whole). */
import type { ClientBase } from 'pg';
import { applyPlan, type AppliedIteration } from './apply';
import { fillExtraColumns } from './extraColumns';
import type { GeneratorOptions } from './options';
import { planIteration, type IterationPlan } from './plan';
import { createRandom } from './random';
import { readState } from './state';

export interface IterationResult extends AppliedIteration {
  plan: IterationPlan;
}

export async function runIteration(
  db: ClientBase,
  options: Pick<GeneratorOptions, 'scale' | 'currency' | 'shares' | 'poolSize'> & { fillExtraColumns?: boolean },
  seed: number,
  index: number,
): Promise<IterationResult> {
  await db.query('BEGIN');
  try {
    const state = await readState(db, options.poolSize);
    const plan = planIteration(createRandom(seed, index), state, options);
    const applied = await applyPlan(db, plan);
    if (options.fillExtraColumns) {
      // Columns added to the source since tables.ts: written for the rows this iteration touched.
      await fillExtraColumns(db, 'customers', [...applied.customerIds, ...applied.updatedCustomerIds], index);
      await fillExtraColumns(db, 'accounts', [...applied.accountIds, ...plan.balanceChanges.map((c) => c.id)], index);
    }
    await db.query('COMMIT');
    return { ...applied, plan };
  } catch (err) {
    // On a dead connection ROLLBACK fails too; the server discards the transaction anyway.
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
