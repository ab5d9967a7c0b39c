/**
 * The writer's warm-up: synthetic change records of every table through the decoder and the Parquet
 * encoder, the objects' bytes dropped (nothing reaches the lake). A fresh isolate runs that code
 * interpreted at first: 1,000-record batches took 300-390 ms each for the first three and ~50 ms
 * from the tenth on (measured 2026-12-06), in each writer thread, so a container that starts under
 * load first fell behind. Run once before the first real batch, that cost is paid before traffic.
 */
import { tableDef, TABLE_NAMES, topicFor, type ColumnDef, type TableName } from '../shared/tables';
import type { KafkaRecordIn } from './decode/decodeRecord';
import { storeBatch } from './lake/storeBatch';

/** A valid value for the column, varied by `i` (schema-less JSON, decimal.handling.mode=string). */
function value(col: ColumnDef, i: number): unknown {
  switch (col.type) {
    case 'int32':
    case 'int64':
      return i + 1;
    case 'text':
      return `warm-up ${i}`.slice(0, col.length ?? 255);
    case 'char':
      return 'W'.repeat(col.length ?? 1);
    case 'decimal': {
      const scale = col.scale ?? 0;
      return scale ? `${i % 1000}.${String(i % 10 ** scale).padStart(scale, '0')}` : String(i % 1000);
    }
    case 'timestamptz':
      return new Date(Date.UTC(2000, 0, 1) + i * 1000).toISOString().replace('Z', '000Z');
    default:
      throw new Error(`writer warm-up: no sample for column ${col.name} of type ${col.type}`);
  }
}

/** The Connect field of a column as Debezium writes it (datatype.propagate.source.type, decimal.handling.mode=string). */
function connectField(col: ColumnDef): Record<string, unknown> {
  const base = { field: col.name, optional: col.nullable };
  const source = (type: string, length?: number, scale?: number) => ({
    ...base,
    type: 'string',
    parameters: {
      '__debezium.source.column.type': type,
      ...(length !== undefined ? { '__debezium.source.column.length': String(length) } : {}),
      ...(scale !== undefined ? { '__debezium.source.column.scale': String(scale) } : {}),
    },
  });
  switch (col.type) {
    case 'int32':
    case 'int64':
      return { ...base, type: col.type };
    case 'text':
      return source('VARCHAR', col.length);
    case 'char':
      return source('BPCHAR', col.length);
    case 'decimal':
      return source('NUMERIC', col.precision, col.scale);
    case 'timestamptz':
      return { ...base, type: 'string', name: 'io.debezium.time.ZonedTimestamp' };
    default:
      // The declared tables use only the types above; a new one needs its sample here (warmUp.test.ts runs every table).
      throw new Error(`writer warm-up: no sample for column ${col.name} of type ${col.type}`);
  }
}

/** A table's inline value schema (value.converter.schemas.enable=true), as far as the writer reads it. */
function inlineSchema(table: TableName): Record<string, unknown> {
  const image = (field: string) => ({ field, type: 'struct', optional: true, fields: tableDef(table).columns.map(connectField) });
  return {
    type: 'struct',
    optional: false,
    fields: [
      image('before'),
      image('after'),
      { field: 'source', type: 'struct', optional: false, fields: [] },
      { field: 'op', type: 'string', optional: false },
      { field: 'ts_ms', type: 'int64', optional: true },
    ],
  };
}

/**
 * `perTable` inserts of every table, as Lambda's Kafka event carries them (base64 JSON values),
 * with the value's inline schema or without (the connector's two value formats).
 */
export function syntheticRecords(perTable: number, topicPrefix: string, withSchema = false): KafkaRecordIn[] {
  const out: KafkaRecordIn[] = [];
  const tsMs = Date.UTC(2000, 0, 1);
  for (const table of TABLE_NAMES) {
    const schema = withSchema ? inlineSchema(table) : undefined;
    for (let i = 0; i < perTable; i++) {
      const after = Object.fromEntries(tableDef(table).columns.map((c) => [c.name, value(c, i)]));
      const envelope = { before: null, after, source: { lsn: 1000 + i, ts_ms: tsMs + i, txId: 1 + i }, op: 'c', ts_ms: tsMs + i };
      out.push({
        topic: topicFor(table, topicPrefix),
        partition: 0,
        offset: i,
        timestamp: tsMs + i,
        key: Buffer.from(JSON.stringify({ id: i + 1 })).toString('base64'),
        value: Buffer.from(JSON.stringify(schema ? { schema, payload: envelope } : envelope)).toString('base64'),
      });
    }
  }
  return out;
}

/** The event that asks the writer's handler for its warm-up instead of a batch. */
export const WARM_UP_EVENT = { warmUp: true } as const;

export function isWarmUpEvent(event: unknown): event is typeof WARM_UP_EVENT {
  return (
    typeof event === 'object' && event !== null && (event as Record<string, unknown>).warmUp === true && !('records' in event)
  );
}

export interface WarmUpResult {
  records: number;
  /** Objects encoded (and dropped) and records that would have been dead-lettered (a bug if any). */
  objects: number;
  deadLetters: number;
  ms: number;
}

/**
 * `batches` synthetic batches of `perTable` records per table through storeBatch, into a sink that
 * drops them, alternately with and without inline schemas; then `touchStore` (a read of the object
 * store, to open its connection and build the SDK's lazily made request path) if given.
 */
export async function warmUpWriter(o: {
  topicPrefix: string;
  batches?: number;
  perTable?: number;
  touchStore?: () => Promise<unknown>;
}): Promise<WarmUpResult> {
  const t0 = performance.now();
  const kinds = [true, false].map((withSchema) => syntheticRecords(o.perTable ?? 300, o.topicPrefix, withSchema));
  const dropped = { put: () => Promise.resolve() };
  let objects = 0;
  let deadLetters = 0;
  let records = 0;
  for (let b = 0; b < (o.batches ?? 6); b++) {
    const batch = kinds[b % 2]!;
    const r = await storeBatch(batch, { sink: dropped, dlqPrefix: '_warm-up', topicPrefix: o.topicPrefix });
    objects += r.objects.length;
    deadLetters += r.deadLetters.length;
    records += batch.length;
  }
  await o.touchStore?.().catch(() => undefined);
  return { records, objects, deadLetters, ms: Math.round(performance.now() - t0) };
}
