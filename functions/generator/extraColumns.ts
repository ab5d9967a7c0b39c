/**
 * Columns the source tables gained after tables.ts was written (ALTER TABLE ... ADD COLUMN,
 * nullable): found in information_schema each iteration, and filled for the rows the iteration
 * touched, inside its transaction, so schema changes can be exercised under load end to end.
 * Values are deterministic per (row, iteration) and exact (numeric as decimal text, never a float).
 */
import type { ClientBase } from 'pg';
import { TABLES, type DeclaredTable } from '../shared/tables';

export interface ExtraColumn {
  name: string;
  /** format_type(): e.g. text, character varying(20), numeric(18,2), integer, timestamp with time zone. */
  sqlType: string;
}

const SUPPORTED = /^(text|character varying(\(\d+\))?|numeric\(\d+,\d+\)|integer|bigint|boolean|date|timestamp with time zone)$/;

export async function extraColumns(db: ClientBase, table: DeclaredTable): Promise<ExtraColumn[]> {
  const known = TABLES[table].columns.map((c) => c.name);
  const { rows } = await db.query<{ name: string; sql_type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS sql_type
       FROM pg_attribute a
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped AND NOT a.attnotnull
        AND NOT (a.attname = ANY($2::text[]))
      ORDER BY a.attnum`,
    [table, known],
  );
  return rows.filter((r) => SUPPORTED.test(r.sql_type)).map((r) => ({ name: r.name, sqlType: r.sql_type }));
}

/** A value for the column as SQL text (cast by the UPDATE), from the row id and iteration index. */
export function extraValue(col: ExtraColumn, id: number, index: number): string {
  const n = (id * 7919 + index * 104_729) % 1_000_003;
  const t = col.sqlType;
  const numeric = /^numeric\((\d+),(\d+)\)$/.exec(t);
  if (numeric) {
    const scale = Number(numeric[2]);
    const digits = String(n).padStart(scale + 1, '0');
    return scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  const len = /\((\d+)\)$/.exec(t);
  if (t === 'text' || t.startsWith('character varying')) return `v${index}-${id}`.slice(0, len ? Number(len[1]) : undefined);
  if (t === 'integer' || t === 'bigint') return String(n);
  if (t === 'boolean') return n % 2 === 0 ? 'true' : 'false';
  if (t === 'date') return new Date(Date.UTC(2026, 0, 1) + (n % 3650) * 86_400_000).toISOString().slice(0, 10);
  return new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Set every extra column of `ids` (rows that exist in `table`); returns how many rows were written. */
export async function fillExtraColumns(
  db: ClientBase,
  table: DeclaredTable,
  ids: readonly number[],
  index: number,
): Promise<number> {
  if (ids.length === 0) return 0;
  const cols = await extraColumns(db, table);
  if (cols.length === 0) return 0;
  const sets = cols.map((c, i) => `${q(c.name)} = v.c${i}::${c.sqlType}`).join(', ');
  const names = cols.map((_, i) => `c${i}`).join(', ');
  const params = [ids, ...cols.map((c) => ids.map((id) => extraValue(c, id, index)))];
  const arrays = cols.map((_, i) => `$${i + 2}::text[]`).join(', ');
  const { rowCount } = await db.query(
    `UPDATE ${q(table)} t SET ${sets} FROM unnest($1::int[], ${arrays}) AS v(id, ${names}) WHERE t.id = v.id`,
    params,
  );
  return rowCount ?? 0;
}
