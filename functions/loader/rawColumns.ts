/**
 * Which of an object's columns go into RAW, and which RAW must gain first (additive schema
 * evolution), matched by name: any name, since every dialect quotes them (identifiers.ts). Dialect-neutral: the caller passes RAW's columns and a function
 * giving a lake type in the same spelling, so DuckDB and Snowflake share the rules:
 *
 * - a column RAW lacks is added (nullable; older rows and older objects hold NULL);
 * - a column RAW has, but the object lacks, loads as NULL (an object older than the column),
 *   except the key and the required CDC metadata, without which a row means nothing;
 * - a type that differs from RAW's is refused: a type change is not additive;
 * - a column of tables.ts missing while an unknown one appears looks like another table's object
 *   (or a rename, which the writer dead-letters): refused, since loading it would put NULLs where
 *   values were. Evolved columns may come and go (a nullable column dropped, another added).
 */
import { CDC_COLUMNS, tableDef, changeColumns, type TableName } from '../shared/tables';
import { LOAD_COLUMNS } from './ddl';
import type { LakeColumn, LakeType } from './parquetColumns';

export interface RawColumnsPlan {
  /** The object's columns, in its order, to name in the INSERT. */
  insert: string[];
  /** Columns to add to RAW before loading. */
  add: LakeColumn[];
  /** RAW columns to widen to the object's type first (int4 -> int8, numeric(18,2) -> numeric(20,2) upstream). */
  widen: LakeColumn[];
}

const DECIMAL = /^(DECIMAL|NUMBER)\((\d+),(\d+)\)$/;

/**
 * How an object's column type relates to RAW's other type: `wider` (RAW widens to it, keeping every
 * value), `narrower` (an object from before the widening: its values load as they are), or
 * undefined (not a widening: refused).
 */
export function widening(have: string, want: string): 'wider' | 'narrower' | undefined {
  if (have === 'INTEGER' && want === 'BIGINT') return 'wider';
  if (have === 'BIGINT' && want === 'INTEGER') return 'narrower';
  const h = DECIMAL.exec(have);
  const w = DECIMAL.exec(want);
  // The same scale only: a new scale changes what the digits mean.
  if (!h || !w || h[1] !== w[1] || h[3] !== w[3]) return undefined;
  return Number(w[2]) > Number(h[2]) ? 'wider' : 'narrower';
}

/** Key and non-null CDC columns: every object must carry them. */
export function requiredColumns(table: TableName): string[] {
  return [...tableDef(table).key, ...CDC_COLUMNS.filter((c) => !c.nullable).map((c) => c.name)];
}

export function planColumns(
  table: TableName,
  objectColumns: readonly LakeColumn[],
  raw: ReadonlyMap<string, string>,
  typeOf: (t: LakeType) => string,
): RawColumnsPlan | { problems: string[] } {
  const problems: string[] = [];
  const present = new Set(objectColumns.map((c) => c.name));
  for (const name of requiredColumns(table)) {
    if (!present.has(name)) problems.push(`missing column ${name} (${raw.get(name) ?? 'required'})`);
  }
  const add: LakeColumn[] = [];
  const widen: LakeColumn[] = [];
  for (const col of objectColumns) {
    const want = typeOf(col.type);
    const have = raw.get(col.name);
    if ((LOAD_COLUMNS as readonly string[]).includes(col.name)) {
      problems.push(`column ${col.name} is reserved for the loader; the object must not carry it`);
    } else if (have === undefined) {
      add.push(col);
    } else if (have !== want && widening(have, want) === 'wider') {
      widen.push(col);
    } else if (have !== want && widening(have, want) === undefined) {
      problems.push(
        `column ${col.name} is ${want} in the object but ${have} in raw.${table}: a type change is not additive; ` +
          `migrate raw.${table}.${col.name} (and the dbt model) by hand, then re-drive the object with npm run backfill`,
      );
    }
  }
  const declared = new Set(changeColumns(table).map((c) => c.name));
  const absent = [...raw.keys()].filter((n) => declared.has(n) && !present.has(n));
  if (absent.length > 0 && add.length > 0) {
    problems.push(
      ...absent.map((n) => `missing column ${n} (${raw.get(n)})`),
      ...add.map((c) => `unexpected column ${c.name} (${typeOf(c.type)})`),
      `columns missing while new ones appear look like a rename or another table's object, which is not additive: ` +
        `check the object's table, or add the renamed column to raw.${table} by hand, then re-drive it with npm run backfill`,
    );
  }
  if (problems.length > 0) return { problems };
  return { insert: objectColumns.map((c) => c.name), add, widen };
}
