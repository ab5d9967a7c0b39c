/**
 * The LSN at which a mart can be compared exactly (W'). dbt built the mart at some moment from the
 * RAW rows loaded by then; verify's snapshot (LSN W) came later or earlier. The mart is compared,
 * as of the changes its snapshot sees up to W', with what RAW says the state was there, where W' is
 * the highest LSN <= W such that
 *   - every change the snapshot sees at or below W' had been loaded when the mart was built (the
 *     build's high-water is the latest `_loaded_at` the mart carries: loads and builds take turns
 *     on the warehouse file, and a load's rows share one `now()`), and
 *   - no transaction the snapshot sees has changes on both sides of W' (a mart keeps only the last
 *     change a transaction made to a key, so a cut through a transaction would split it).
 * When the build came after RAW held W, W' = W and the mart is compared with Postgres's snapshot
 * itself (RAW at W equals it, checked in the same run).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { visiblePredicate, type Watermark } from './watermark';

export interface MartCut {
  /** W' as Debezium's integer LSN, and as Postgres writes it. */
  lsnNumber: string;
  lsn: string;
  /** The build's high-water `_loaded_at` (text), or null for an empty mart. */
  builtThrough: string | null;
}

export function numberToLsn(n: bigint): string {
  return `${(n >> 32n).toString(16).toUpperCase()}/${(n & 0xffffffffn).toString(16).toUpperCase()}`;
}

/**
 * W' for the mart built from `table`: `highWater` is a SQL expression of the build's latest
 * `_loaded_at` (e.g. `(SELECT max(last_loaded_at) FROM marts.fact_transactions)`).
 */
export async function martCut(
  db: DuckDBConnection,
  w: Watermark,
  table: string,
  highWater: string,
  schema = 'raw',
): Promise<MartCut> {
  const seen = visiblePredicate(w);
  const value = async (sql: string) => (await db.runAndReadAll(sql)).getRows()[0]?.[0];
  const built = await value(`SELECT CAST(${highWater} AS VARCHAR)`);
  const builtThrough = built === null || built === undefined ? null : String(built);
  const later = await value(
    `SELECT CAST(min(_lsn) AS VARCHAR) FROM ${schema}."${table}" WHERE ${seen} AND (${highWater} IS NULL OR _loaded_at > ${highWater})`,
  );
  let cut = BigInt(w.lsnNumber);
  if (later !== null && later !== undefined && BigInt(String(later)) - 1n < cut) cut = BigInt(String(later)) - 1n;
  // Lower W' below any transaction it splits, until none is split (each step lowers it).
  for (;;) {
    const split = await value(
      `SELECT CAST(min(lo) AS VARCHAR) FROM (
         SELECT min(_lsn) AS lo, max(_lsn) AS hi FROM ${schema}."${table}"
          WHERE ${seen} AND _tx_id IS NOT NULL GROUP BY _tx_id
       ) WHERE lo <= ${cut} AND hi > ${cut}`,
    );
    if (split === null || split === undefined) break;
    cut = BigInt(String(split)) - 1n;
  }
  return { lsnNumber: cut.toString(), lsn: numberToLsn(cut < 0n ? 0n : cut), builtThrough };
}

/** The predicate "the change is in the cut" over the given LSN and transaction-id columns. */
export function inCut(w: Watermark, cut: MartCut, lsn: string, tx: string): string {
  return visiblePredicate(w, { lsn, tx, upTo: cut.lsnNumber });
}
