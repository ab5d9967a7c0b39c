/** The sweep's cursor in DuckDB (`raw._sweep_marks`, created with the ledger by ddl.ts). */
import type { DuckDBConnection } from '@duckdb/node-api';
import { RAW_SCHEMA, SWEEP_MARKS_TABLE, rawTable } from './ddl';
import { duckdbIdent as ident } from './identifiers';
import type { SweepMark } from './port';

const table = rawTable('duckdb', SWEEP_MARKS_TABLE, RAW_SCHEMA);
const [prefix, verifiedBefore, pending, updatedAt] = ['prefix', 'verified_before', 'pending', 'updated_at'].map(ident) as [
  string,
  string,
  string,
  string,
];

const asNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export async function duckdbSweepMarks(conn: DuckDBConnection): Promise<SweepMark[]> {
  const r = await conn.runAndReadAll(`SELECT ${prefix}, ${verifiedBefore}, ${pending} FROM ${table}`);
  return r.getRowObjectsJson().map((row) => ({
    prefix: String(row.prefix),
    verifiedBefore: asNumber(row.verified_before),
    pending: asNumber(row.pending),
  }));
}

export async function saveDuckdbSweepMarks(conn: DuckDBConnection, marks: readonly SweepMark[]): Promise<void> {
  for (const m of marks) {
    await conn.run(
      `INSERT INTO ${table} (${prefix}, ${verifiedBefore}, ${pending}, ${updatedAt}) VALUES ($1, $2, $3, now())
       ON CONFLICT (${prefix}) DO UPDATE SET ${verifiedBefore} = excluded.${verifiedBefore}, ${pending} = excluded.${pending}, ${updatedAt} = excluded.${updatedAt}`,
      [m.prefix, m.verifiedBefore === null ? null : BigInt(m.verifiedBefore), m.pending === null ? null : BigInt(m.pending)],
    );
  }
}
