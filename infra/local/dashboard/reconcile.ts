/**
 * A cheap, periodic reconciliation: the totals of functions/reconcile (current rows per table, the
 * sum of balances) in Postgres and in the warehouse's current state, without the row-by-row diff
 * that `npm run e2e` adds. While changes are on their way (Kafka lag, objects waiting) a
 * difference is expected and shown as in flight; a difference with nothing in flight is a mismatch.
 * While changes are in flight the warehouse is not read at all (ReconcileDeferred): its current
 * state over every RAW row would hold the file the loaders wait for, to show a difference that is
 * expected anyway. The last `npm run e2e` report, when one was recorded, is shown beside it.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Client } from 'pg';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sourceTotals, warehouseTotals, type Totals } from '../../../functions/reconcile';
import type { Reconciliation, Status } from './types';
import { PipelineError } from '../../../functions/shared/errors';
import { lastAuditEntry } from '../../../functions/reconcile/auditLog';

/** Not compared this turn (changes in flight); it cost the loaders nothing, so the next turn comes soon. */
export class ReconcileDeferred extends PipelineError {
  override readonly name = 'ReconcileDeferred';
  readonly cost = 0;
  constructor(why: string) {
    super(`deferred: ${why}`, { hint: 'nothing to do: it compares when Kafka lag and waiting objects are zero' });
  }
}

export async function sourceSnapshot(pg: Client): Promise<Totals> {
  await pg.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    return await sourceTotals(pg);
  } finally {
    await pg.query('COMMIT');
  }
}

export async function reconcileTotals(
  source: Totals,
  db: DuckDBConnection,
  inFlight: boolean,
  started: number,
): Promise<Reconciliation> {
  const warehouse = await warehouseTotals(db);
  const differences: string[] = [];
  for (const [t, n] of Object.entries(source.rows)) {
    const w = warehouse.rows[t as keyof Totals['rows']];
    if (w !== n) differences.push(`${t}: source ${n}, warehouse ${w}`);
  }
  if (source.balanceSum !== warehouse.balanceSum)
    differences.push(`sum of balances: source ${source.balanceSum}, warehouse ${warehouse.balanceSum}`);
  if (JSON.stringify(source.amountByType) !== JSON.stringify(warehouse.amountByType))
    differences.push('sums of amounts per type and status differ');
  return {
    at: Date.now(),
    verdict: differences.length === 0 ? 'match' : inFlight ? 'in-flight' : 'mismatch',
    source: { rows: source.rows, balanceSum: source.balanceSum },
    warehouse: { rows: warehouse.rows, balanceSum: warehouse.balanceSum },
    differences,
    tookMs: Date.now() - started,
  };
}

/** The report `npm run e2e` writes (infra/local/cli/e2e.ts), if there is one. */
export function lastE2eReport(file: string): Status['reconciliation']['lastE2e'] {
  try {
    const at = statSync(file).mtimeMs;
    const r = JSON.parse(readFileSync(file, 'utf8')) as {
      match?: boolean;
      iterations?: number;
      raw?: { source?: { rows?: Record<string, number> } };
      dbt?: { ok?: boolean; match?: boolean };
    };
    const rows = Object.entries(r.raw?.source?.rows ?? {})
      .map(([t, n]) => `${t} ${n}`)
      .join(', ');
    const dbt = r.dbt ? `, dbt ${r.dbt.ok && r.dbt.match ? 'agrees' : 'differs'}` : '';
    return { at, match: r.match === true, summary: `${r.iterations ?? '?'} iterations; source ${rows}${dbt}` };
  } catch {
    return undefined;
  }
}

/** The last `npm run verify` (the last line of its audit log), if there is one. */
export function lastVerification(file: string): Status['reconciliation']['lastVerify'] {
  try {
    const e = lastAuditEntry(file) as
      | {
          at?: string;
          ok?: boolean;
          watermark?: { lsn?: string };
          first?: { table?: string; key?: string; column?: string; origin?: { object?: string } };
          manifestsVerified?: number;
          manifestMismatches?: unknown[];
          marts?: { ok?: boolean; built?: boolean; first?: { mart?: string; key?: string; column?: string } };
        }
      | undefined;
    if (!e?.at) return undefined;
    const where = e.first
      ? `; first difference ${e.first.table} key ${e.first.key} column ${e.first.column}${e.first.origin?.object ? ` from ${e.first.origin.object}` : ''}`
      : '';
    const manifests =
      e.manifestsVerified === undefined
        ? ''
        : `; ${e.manifestsVerified} object manifests verified${e.manifestMismatches?.length ? `, ${e.manifestMismatches.length} differing` : ''}`;
    const m = e.marts;
    const marts = !m
      ? ''
      : !m.built
        ? '; marts not built yet'
        : m.first
          ? `; marts differ: ${m.first.mart} key ${m.first.key} column ${m.first.column}`
          : m.ok
            ? '; marts match'
            : '; marts differ';
    return {
      at: Date.parse(e.at),
      match: e.ok === true,
      summary: `at LSN ${e.watermark?.lsn ?? '?'}${manifests}${where}${marts}`,
    };
  } catch {
    return undefined;
  }
}
