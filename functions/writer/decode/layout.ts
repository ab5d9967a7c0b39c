/**
 * A record layout: how one table's before/after image is decoded, column by column, into values.
 * Columns of functions/shared/tables.ts come first, with its types and checks (lengths, NOT NULL);
 * columns added upstream and known only from the message's inline schema (schema evolution) come
 * after them. A layout whose schema cannot be stored exactly carries the reason in `error`, so
 * every record written with that schema is dead-lettered with it.
 */
import { DecodeError } from '../../shared/errors';
import { TABLES, type ColumnDef, type TableName } from '../../shared/tables';
import { columnDecoder, type ColumnDecoder, type Physical } from './columnValues';

export interface ColumnPlan {
  def: ColumnDef;
  decode: ColumnDecoder;
}

export interface Layout {
  table: TableName;
  /** tables.ts columns, in their order. */
  known: readonly ColumnPlan[];
  /** Schema-evolved columns (always nullable: older rows of the same object lack them). */
  extra: readonly ColumnPlan[];
  /** Why records with this schema cannot be stored, and what to do; null when they can. */
  error: string | null;
  /** True when the layout comes from an inline schema (so unknown keys are impossible). */
  fromSchema: boolean;
}

export function plan(def: ColumnDef): ColumnPlan {
  return { def, decode: columnDecoder(def) };
}

const staticLayouts = new Map<TableName, Layout>();

/** The layout of a value without an inline schema: exactly the tables.ts columns. */
export function tablesLayout(table: TableName): Layout {
  let l = staticLayouts.get(table);
  if (!l) {
    l = { table, known: TABLES[table].columns.map(plan), extra: [], error: null, fromSchema: false };
    staticLayouts.set(table, l);
  }
  return l;
}

/**
 * Decodes an image into `out` (known columns, then extra ones) and returns it. Throws DecodeError
 * naming the column; `out` may then hold part of the row, so callers copy only on success.
 */
export function decodeImage(layout: Layout, img: Record<string, unknown>, out: Physical[]): Physical[] {
  if (layout.error !== null) throw new DecodeError(layout.error);
  const { known, extra } = layout;
  for (let i = 0; i < known.length; i++) out[i] = known[i]!.decode(img[known[i]!.def.name]);
  for (let j = 0; j < extra.length; j++) out[known.length + j] = extra[j]!.decode(img[extra[j]!.def.name]);
  let keys = 0;
  // JSON.parse makes plain objects: for-in sees exactly their own keys, without an array.
  for (const _ in img) keys++;
  if (keys !== known.length + extra.length) {
    const names = new Set([...known, ...extra].map((c) => c.def.name));
    const unknown = Object.keys(img).filter((k) => !names.has(k));
    throw new DecodeError(
      `unknown column(s) ${unknown.join(', ')} in ${layout.table}: ` +
        (layout.fromSchema
          ? 'the image does not match its inline schema'
          : 'new columns flow through only when the connector writes schemas inline ' +
            '(value.converter.schemas.enable=true, infra/local/debezium/connector-config.ts); or add them to functions/shared/tables.ts') +
        ', then replay the dead letters (npm run dlq -- replay)',
    );
  }
  return out;
}
