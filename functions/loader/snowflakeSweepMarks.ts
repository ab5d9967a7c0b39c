/** The sweep's marks in Snowflake: one row per prefix in the marks table, merged in chunks. */
import type { SweepMark } from './port';
import { sweepMarksMerge, sweepMarksSelect, type SnowflakeTarget } from './snowflakeSql';
import type { SqlConnection } from './snowflakeWarehouse';

const asNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export async function readSweepMarks(conn: SqlConnection, target: SnowflakeTarget): Promise<SweepMark[]> {
  const rows = await conn.execute(sweepMarksSelect(target));
  return rows.map((r) => ({
    prefix: String(r.PREFIX),
    verifiedBefore: asNumber(r.VERIFIED_BEFORE),
    pending: asNumber(r.PENDING),
  }));
}

export async function saveSweepMarks(conn: SqlConnection, target: SnowflakeTarget, marks: readonly SweepMark[]): Promise<void> {
  // 300 rows a statement keeps the binds well under Snowflake's cap.
  for (let i = 0; i < marks.length; i += 300) {
    const chunk = marks.slice(i, i + 300);
    await conn.execute(
      sweepMarksMerge(target, chunk.length),
      chunk.flatMap((m) => [m.prefix, m.verifiedBefore, m.pending]),
    );
  }
}
