/**
 * What the generator has done in Postgres, from the statistics collector: changes (rows inserted,
 * updated, deleted) per table since the statistics were last reset, and the live row estimate.
 * One catalog query, no table scan, so it is cheap at any size.
 */
import type { Client } from 'pg';
import { TABLE_NAMES } from '../../../functions/shared/tables';

export interface PostgresFigures {
  /** Row changes committed (inserts + updates + deletes) in the pipeline's tables. */
  changes: number;
  /** Live rows now (the planner's estimate; exact enough to watch growth). */
  rows: Record<string, number>;
}

export async function readPostgres(pg: Client): Promise<PostgresFigures> {
  const r = await pg.query<{ relname: string; changes: string; live: string }>(
    `SELECT relname, (n_tup_ins + n_tup_upd + n_tup_del)::text AS changes, n_live_tup::text AS live
       FROM pg_stat_user_tables WHERE schemaname = 'public' AND relname = ANY($1)`,
    [TABLE_NAMES],
  );
  let changes = 0;
  const rows: Record<string, number> = {};
  for (const row of r.rows) {
    changes += Number(row.changes);
    rows[row.relname] = Number(row.live);
  }
  return { changes, rows };
}
