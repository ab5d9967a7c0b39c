/**
 * Debezium's inline schema (Kafka Connect JsonConverter, schemas.enable=true) of a table's change
 * events to a Layout. Exact types come from the Connect types, the schema's semantic names and,
 * for string-typed columns (`datatype.propagate.source.type`, infra/local/stack/debezium/connector-config.ts),
 * from the Postgres column type, length and scale Debezium adds as parameters
 * (`__debezium.source.column.type/length/scale`): NUMERIC(18,2) in string decimal mode is a plain
 * "string" field otherwise.
 *
 * Additive changes (a new column of a supported type) become extra columns. A change that is not
 * additive (a tables.ts column renamed, dropped, or of another type now) gives a layout whose
 * error says what to do; so does a new column of a type the writer cannot store exactly.
 */
import { CDC_COLUMNS, tableDef, postgresType, type ColumnDef, type TableName } from '../../shared/tables';
import { plan, type ColumnPlan, type Layout } from './layout';

interface ConnectField {
  field: string;
  type: string;
  optional?: boolean;
  name?: string;
  parameters?: Record<string, string>;
  fields?: ConnectField[];
  items?: ConnectField;
}

/** Semantic names of string fields stored as their text, exactly as Debezium writes them. */
const TEXT_NAMES = new Set([
  'io.debezium.data.Uuid',
  'io.debezium.data.Json',
  'io.debezium.data.Enum',
  'io.debezium.data.Xml',
  'io.debezium.time.Interval', // interval.handling.mode=string: ISO 8601 (P1Y2M3DT4H5M6.78S)
  'io.debezium.time.ZonedTime',
]);

/** Array items that JSON text holds exactly (numbers checked per value: see decodeJsonArray). */
function jsonItem(f: ConnectField | undefined): boolean {
  if (!f) return false;
  if (f.type === 'array') return jsonItem(f.items);
  if (f.name && f.type !== 'string') return false; // a date or time as a number would read as one
  return ['boolean', 'int8', 'int16', 'int32', 'int64', 'float', 'double', 'float32', 'float64', 'string'].includes(f.type);
}

const REPLAY = 'then replay the dead letters (npm run dlq -- replay)';
/** Debezium reports this length for a column declared without one (NUMERIC, TEXT). */
const NO_LENGTH = 2147483647;
/** ...and this precision for a NUMERIC declared without one (Postgres's largest: 131072 + 16383 digits). */
const UNCONSTRAINED_NUMERIC = 131089;

type Mapped = { def: ColumnDef } | { unsupported: string };

function intParam(p: Record<string, string>, key: string): number | undefined {
  const v = p[key];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n === NO_LENGTH ? undefined : n;
}

/** The column definition a Connect field stands for, or why it cannot be stored exactly. */
export function mapField(f: ConnectField): Mapped {
  const name = f.field;
  const nullable = f.optional !== false;
  const p = f.parameters ?? {};
  const source = p['__debezium.source.column.type']?.toUpperCase();
  const length = intParam(p, '__debezium.source.column.length');
  const scale = intParam(p, '__debezium.source.column.scale');
  const shown = source ?? f.name ?? f.type;
  switch (f.type) {
    case 'boolean':
      if (f.name) return { unsupported: `${shown} (${f.name}) is not supported` };
      return { def: { name, type: 'boolean', nullable } };
    case 'int16':
    case 'int32':
      if (f.name === 'io.debezium.time.Date') return { def: { name, type: 'date', nullable } };
      if (f.name) return { unsupported: `${shown} (${f.name}) is not supported` };
      return { def: { name, type: 'int32', nullable } };
    case 'int64':
      if (f.name === 'io.debezium.time.MicroTime') return { def: { name, type: 'time', nullable } };
      if (f.name === 'io.debezium.time.MicroTimestamp') return { def: { name, type: 'timestamp', nullable } };
      if (f.name === 'io.debezium.time.Timestamp') return { def: { name, type: 'timestamp', source: 'millis', nullable } };
      if (f.name === 'io.debezium.time.MicroDuration') {
        return { unsupported: 'INTERVAL as approximate microseconds; the connector needs interval.handling.mode=string' };
      }
      if (f.name) return { unsupported: `${shown} (${f.name}) is not supported` };
      return { def: { name, type: 'int64', nullable } };
    // JsonConverter spells Connect's FLOAT32 and FLOAT64 as "float" and "double".
    case 'float':
    case 'float32':
      return { def: { name, type: 'float', nullable } };
    case 'double':
    case 'float64':
      return { def: { name, type: 'double', nullable } };
    case 'bytes':
      if (f.name) return { unsupported: `${shown} (${f.name}) is not supported` };
      return { def: { name, type: 'bytes', nullable } };
    case 'array':
      if (!jsonItem(f.items))
        return { unsupported: `an array of ${f.items?.name ?? f.items?.type ?? 'unknown'} is not supported` };
      return { def: { name, type: 'text', source: 'json', nullable } };
    case 'string':
      if (f.name === 'io.debezium.time.ZonedTimestamp') return { def: { name, type: 'timestamptz', nullable } };
      if (f.name && TEXT_NAMES.has(f.name)) return { def: { name, type: 'text', nullable } };
      if (f.name) return { unsupported: `${shown} (${f.name}) is not supported` };
      if (!source) {
        return {
          unsupported:
            'a string-typed Postgres type the writer does not store (VARCHAR, TEXT, CHAR and NUMERIC it does; ' +
            "their types come from the connector's datatype.propagate.source.type)",
        };
      }
      if (source === 'NUMERIC' || source === 'DECIMAL') {
        // Without a declared precision a NUMERIC has no fixed scale: kept as its exact decimal text.
        if (length === undefined || length === UNCONSTRAINED_NUMERIC) return { def: { name, type: 'text', nullable } };
        if (length > 38 || length < 1) {
          return { unsupported: `NUMERIC(${length}) exceeds the 38 digits a DECIMAL holds in Parquet, DuckDB and Snowflake` };
        }
        return { def: { name, type: 'decimal', precision: length, scale: scale ?? 0, nullable } };
      }
      if (source === 'VARCHAR' || source === 'TEXT') return { def: { name, type: 'text', length, nullable } };
      if (source === 'BPCHAR' || source === 'CHAR') return { def: { name, type: 'char', length, nullable } };
      return { unsupported: `${source} is not supported` };
    default:
      return { unsupported: `${shown} (${f.type}) is not supported` };
  }
}

function describe(d: ColumnDef): string {
  return d.type === 'text' && d.length === undefined ? 'text' : postgresType(d);
}

/** A tables.ts column and its field now: undefined when compatible, else the problem. */
function incompatible(known: ColumnDef, f: ConnectField): string | undefined {
  const m = mapField(f);
  if ('unsupported' in m) {
    // Without the source type a string field can still be text, char or decimal: trust tables.ts.
    return f.type === 'string' && !f.name && !f.parameters?.['__debezium.source.column.type'] ? undefined : m.unsupported;
  }
  const now = m.def;
  // A widened column (int4 -> int8, numeric(18,2) -> numeric(20,2)) keeps its tables.ts type: each
  // value is checked against it, so those that fit are stored in the same column and the others are
  // dead-lettered with the column's range.
  if (known.type === 'int32' && now.type === 'int64') return undefined;
  if (now.type !== known.type) return `now ${describe(now)}`;
  if (now.type === 'decimal' && now.scale !== known.scale) return `now ${describe(now)}`;
  if ((now.type === 'text' || now.type === 'char') && known.length !== undefined && (now.length ?? Infinity) > known.length) {
    return `now ${describe(now)}`;
  }
  return undefined;
}

/** The layout of `table`'s records written with this schema text (never throws). */
export function layoutFromSchema(table: TableName, schemaText: string): Layout {
  const fail = (error: string): Layout => ({ table, known: [], extra: [], error, fromSchema: true });
  let root: ConnectField;
  try {
    root = JSON.parse(schemaText) as ConnectField;
  } catch {
    return fail('the inline schema is not JSON');
  }
  const image = root.fields?.find((f) => (f.field === 'after' || f.field === 'before') && f.type === 'struct');
  if (!image?.fields) return fail('the inline schema has no before/after struct: not a Debezium change event');
  const fields = new Map(image.fields.map((f) => [f.field, f]));
  const def = tableDef(table);
  const known: ColumnPlan[] = [];
  const problems: string[] = [];
  const missing: string[] = [];
  for (const col of def.columns) {
    const f = fields.get(col.name);
    if (!f) {
      missing.push(col.name);
      continue;
    }
    const why = incompatible(col, f);
    if (why) problems.push(`column ${col.name} changed type (functions/shared/tables.ts: ${describe(col)}; ${why})`);
    known.push(plan(col));
  }
  const extra: ColumnPlan[] = [];
  const reserved = new Set(CDC_COLUMNS.map((c) => c.name));
  const added = image.fields.filter((f) => !def.columns.some((c) => c.name === f.field));
  for (const f of added) {
    if (reserved.has(f.field)) {
      problems.push(`new column ${f.field} clashes with the lake's CDC column of that name; rename it in Postgres`);
      continue;
    }
    const m = mapField(f);
    if ('unsupported' in m) problems.push(`new column ${f.field} cannot be stored exactly: ${m.unsupported}`);
    // Nullable in the lake even when NOT NULL upstream: rows written before the ALTER lack it.
    else extra.push(plan({ ...m.def, nullable: true }));
  }
  if (missing.length) {
    return fail(
      `column(s) ${missing.join(', ')} of ${table} were renamed or dropped in Postgres` +
        (added.length ? ` (new column(s): ${added.map((f) => f.field).join(', ')})` : '') +
        `: not an additive change. Rename or remove them in functions/shared/tables.ts and RAW, deploy, ${REPLAY}`,
    );
  }
  if (problems.length) {
    return fail(`${problems.join('; ')}: change functions/shared/tables.ts (and migrate RAW) to match, deploy, ${REPLAY}`);
  }
  return { table, known, extra, error: null, fromSchema: true };
}
