/**
 * A record layout: how one table's before/after image is decoded, column by column, into values.
 * Columns of functions/shared/tables.ts come first, with its types and checks (lengths, NOT NULL);
 * columns added upstream and known only from the message's inline schema (schema evolution) come
 * after them. A layout whose schema cannot be stored exactly carries the reason in `error`, so
 * every record written with that schema is dead-lettered with it.
 */
import { DecodeError } from '../../shared/errors';
import { isDeclared, tableDef, type ColumnDef, type TableName } from '../../shared/tables';
import { columnDecoder, UNAVAILABLE_PLACEHOLDER, unavailableTest, type ColumnDecoder, type Physical } from './columnValues';

export interface ColumnPlan {
  def: ColumnDef;
  decode: ColumnDecoder;
  /** Is the raw value Debezium's placeholder for an unchanged TOASTed value? Null: never for this type. */
  unavailable: ((raw: unknown) => boolean) | null;
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
  return { def, decode: columnDecoder(def), unavailable: unavailableTest(def) };
}

const staticLayouts = new Map<TableName, Layout>();

/** The layout of a value without an inline schema: exactly the tables.ts columns. */
export function tablesLayout(table: TableName): Layout {
  let l = staticLayouts.get(table);
  if (!l) {
    l = { table, known: tableDef(table).columns.map(plan), extra: [], error: null, fromSchema: false };
    staticLayouts.set(table, l);
  }
  return l;
}

/**
 * One column's value: decoded, or null when Debezium sent its placeholder for an unchanged TOASTed
 * value (its name then joins `unavailable`). A NOT NULL column of tables.ts cannot hold that null.
 */
function decodeColumnOf(p: ColumnPlan, raw: unknown, unavailable: string[]): Physical {
  if (p.unavailable === null || !p.unavailable(raw)) return p.decode(raw);
  if (!p.def.nullable) {
    throw new DecodeError(
      `column ${p.def.name} (${p.def.type}): ${UNAVAILABLE_PLACEHOLDER}, Debezium's placeholder for an unchanged TOASTed value, ` +
        'in a NOT NULL column of functions/shared/tables.ts: declare it nullable there (staging carries the previous value ' +
        'forward), or give the table REPLICA IDENTITY FULL; then replay the dead letters (npm run dlq -- replay)',
    );
  }
  unavailable.push(p.def.name);
  return null;
}

/**
 * Decodes an image into `out` (known columns, then extra ones) and returns it; the names of the
 * columns Debezium could not send (unchanged TOASTed values) go to `unavailable`, their values are
 * null. Throws DecodeError naming the column; `out` may then hold part of the row, so callers copy
 * only on success.
 */
export function decodeImage(
  layout: Layout,
  img: Record<string, unknown>,
  out: Physical[],
  unavailable: string[] = [],
): Physical[] {
  if (layout.error !== null) throw new DecodeError(layout.error);
  const { known, extra } = layout;
  for (let i = 0; i < known.length; i++) out[i] = decodeColumnOf(known[i]!, img[known[i]!.def.name], unavailable);
  for (let j = 0; j < extra.length; j++) out[known.length + j] = decodeColumnOf(extra[j]!, img[extra[j]!.def.name], unavailable);
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
          : !isDeclared(layout.table)
            ? `${layout.table} is not declared in functions/shared/tables.ts, so its columns come only from inline schemas ` +
              '(value.converter.schemas.enable=true, infra/local/stack/debezium/connector-config.ts); or declare it there'
            : 'new columns flow through only when the connector writes schemas inline ' +
              '(value.converter.schemas.enable=true, infra/local/stack/debezium/connector-config.ts); or add them to functions/shared/tables.ts') +
        ', then replay the dead letters (npm run dlq -- replay)',
    );
  }
  return out;
}
