/**
 * The batch writer's core: decode every record of a Kafka batch straight into the columns of its
 * lake object (one per table, commit date and partition), write one dead letter per record that
 * cannot be stored exactly, and return only once every object is stored.
 *
 * Any error while decoding, grouping or encoding one record dead-letters that record, never the
 * batch: a partition must not stall on one record. Only infrastructure failures (a PUT) fail the
 * whole call, so the batch is retried (same keys, same bytes) and no offset is committed for data
 * that is not durable. A record delivered twice in one batch (same topic, partition, offset) is
 * written once.
 */
import { RecordDecoder, type KafkaRecordIn } from '../decode/decodeRecord';
import type { Physical } from '../decode/columnValues';
import { DecodeError, errorMessage, ServiceError } from '../../shared/errors';
import type { ColumnDef, TableName } from '../../shared/tables';
import { deadLetter, deadLetterObject } from './deadLetter';
import { encodeColumns, type EncodeOptions } from './encodeParquet';
import { ObjectBuilder } from './objectBuilder';
import { objectKey } from '../../shared/objectKeys';
import { settleAllBounded } from '../../shared/async';
import type { PutRequest } from './putObject';
import { objectManifest } from './objectManifest';
import { MANIFEST_KEY, manifestText } from '../../shared/manifest';

export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

export interface ObjectSink {
  put(req: PutRequest): Promise<void>;
}

export interface StoreBatchOptions extends EncodeOptions {
  sink: ObjectSink;
  dlqPrefix: string;
  /** Topics read: `<topicPrefix>.public.<table>` (KAFKA_TOPIC_PREFIX); others are dead-lettered. */
  topicPrefix?: string;
  /** The record-identity epoch (KAFKA_EPOCH): part of every key and row; 0 when absent. */
  epoch?: number;
  /** PUTs in flight at once. */
  concurrency?: number;
}

export interface StoredObject {
  key: string;
  table: TableName;
  rows: number;
  bytes: number;
  /** Columns beyond tables.ts and the CDC metadata (schema evolution). */
  extraColumns: string[];
}

export interface StoreBatchResult {
  objects: StoredObject[];
  deadLetters: { key: string; error: string }[];
  tombstones: number;
  /** Records dropped because the same (topic, partition, offset) came earlier in the batch. */
  duplicates: number;
  rowsByTable: Partial<Record<TableName, number>>;
}

/** One decoder per prefix and container: the inline-schema cache outlives invocations. */
const decoders = new Map<string, RecordDecoder>();

function decoderFor(prefix: string): RecordDecoder {
  let d = decoders.get(prefix);
  if (!d) decoders.set(prefix, (d = new RecordDecoder(prefix)));
  return d;
}

function reason(err: unknown): string {
  if (err instanceof DecodeError) return err.message;
  // Not a known kind of bad input: say so, so it is not mistaken for one (likely a writer bug). Its
  // message is left out (a runtime error can quote the value: "Cannot convert x to a BigInt"); where
  // it was thrown is not data, and the dead letter holds the record to reproduce it.
  const e = (typeof err === 'object' && err !== null ? err : {}) as { name?: unknown; stack?: unknown };
  const where = typeof e.stack === 'string' ? /\n\s+at (.+)/.exec(e.stack)?.[1] : undefined;
  return `unexpected ${typeof e.name === 'string' ? e.name : 'error'} while decoding${where ? ` at ${where}` : ''}`;
}

const DAY_MS = 86_400_000;
const dates = new Map<number, string>();

function dateOf(tsMs: number): string {
  const day = Math.floor(tsMs / DAY_MS);
  let d = dates.get(day);
  if (d === undefined) dates.set(day, (d = new Date(day * DAY_MS).toISOString().slice(0, 10)));
  return d;
}

export async function storeBatch(records: readonly KafkaRecordIn[], opts: StoreBatchOptions): Promise<StoreBatchResult> {
  const decoder = decoderFor(opts.topicPrefix ?? 'banking_server');
  const puts: PutRequest[] = [];
  const deadLetters: StoreBatchResult['deadLetters'] = [];
  const letter = (record: KafkaRecordIn, error: string): void => {
    const dl = deadLetterObject(opts.dlqPrefix, deadLetter(record, error, opts.epoch));
    deadLetters.push({ key: dl.key, error });
    puts.push({ key: dl.key, body: dl.body, contentType: 'application/json' });
  };
  const seen = new Map<string, Set<number>>();
  const builders = new Map<string, ObjectBuilder>();
  let last: ObjectBuilder | undefined;
  let offsets = new Set<number>();
  let lastTopic: string | undefined;
  let lastPartition = -1;
  let tombstones = 0;
  let duplicates = 0;

  for (const record of records) {
    if (record.topic !== lastTopic || record.partition !== lastPartition) {
      const tp = `${record.topic}\u0000${record.partition}`;
      const found = seen.get(tp);
      if (found) offsets = found;
      else seen.set(tp, (offsets = new Set()));
      lastTopic = record.topic;
      lastPartition = record.partition;
    }
    if (offsets.has(record.offset)) {
      duplicates++;
      continue;
    }
    offsets.add(record.offset);
    try {
      const d = decoder.decode(record);
      if (d.kind === 'tombstone') {
        tombstones++;
        continue;
      }
      const date = dateOf(d.env.sourceTsMs);
      let b = last;
      if (!b || b.table !== d.table || b.date !== date || b.partition !== record.partition) {
        const id = `${d.table}\u0000${date}\u0000${record.partition}`;
        b = builders.get(id);
        if (!b) builders.set(id, (b = new ObjectBuilder(d.table, date, record.partition, opts.epoch)));
        last = b;
      }
      b.append(d.layout, d.values, d.env, record, d.unavailable);
    } catch (err) {
      letter(record, reason(err));
    }
  }

  const objects: StoredObject[] = [];
  const rowsByTable: StoreBatchResult['rowsByTable'] = {};
  for (const b of [...builders.values()].sort((x, y) => (keyOf(x) < keyOf(y) ? -1 : 1))) {
    const encoded = encodeObject(b, opts, letter);
    if (!encoded) continue;
    const { key, body, rows, extraColumns } = encoded;
    puts.push({ key, body, contentType: PARQUET_CONTENT_TYPE });
    objects.push({ key, table: b.table, rows, bytes: body.byteLength, extraColumns });
    rowsByTable[b.table] = (rowsByTable[b.table] ?? 0) + rows;
  }

  const settled = await settleAllBounded(puts, opts.concurrency ?? 8, (req) => opts.sink.put(req));
  const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [`${puts[i]!.key}: ${errorMessage(s.reason)}`] : []));
  if (failed.length) {
    throw new ServiceError(
      's3',
      `${failed.length} of ${puts.length} PUTs failed; the batch must be retried: ${failed.join('; ')}`,
    );
  }
  return { objects, deadLetters, tombstones, duplicates, rowsByTable };
}

function keyOf(b: ObjectBuilder): string {
  return `${b.table}/${b.date}/${String(b.partition).padStart(10, '0')}`;
}

interface Encoded {
  key: string;
  body: Uint8Array;
  rows: number;
  extraColumns: string[];
}

function finish(b: ObjectBuilder, defs: ColumnDef[], data: Physical[][], offsets: number[], opts: EncodeOptions): Encoded {
  const kv =
    opts.manifest === false ? undefined : [{ key: MANIFEST_KEY, value: manifestText(objectManifest(b.table, defs, data)) }];
  const body = encodeColumns(b.table, defs, data, opts, kv);
  const coords = {
    table: b.table,
    date: b.date,
    partition: b.partition,
    epoch: b.epoch,
    firstOffset: offsets[0]!,
    lastOffset: offsets.at(-1)!,
  };
  return { key: objectKey(coords), body, rows: offsets.length, extraColumns: [] };
}

/**
 * Encodes an object; if the encoder refuses it, finds the rows it refuses alone, dead-letters
 * them and encodes the rest (an encoder error must not fail the batch forever either).
 */
function encodeObject(
  b: ObjectBuilder,
  opts: EncodeOptions,
  letter: (record: KafkaRecordIn, error: string) => void,
): Encoded | undefined {
  const { defs, data } = b.columns();
  const offsets = b.offsets();
  const extras = (e: Encoded): Encoded => ({ ...e, extraColumns: defs.slice(b.baseWidth).map((d) => d.name) });
  try {
    return extras(finish(b, defs, data, offsets, opts));
  } catch (whole) {
    const records = b.orderedRecords();
    const bad = new Set<number>();
    records.forEach((record, i) => {
      const one = b.row(i);
      try {
        encodeColumns(b.table, one.defs, one.data, opts);
      } catch (err) {
        bad.add(i);
        letter(record, `unexpected error while encoding Parquet: ${errorMessage(err)}`);
      }
    });
    const kept = offsets.filter((_, i) => !bad.has(i));
    if (kept.length === 0) return undefined;
    const rest = b.without(bad);
    try {
      return extras(finish(b, rest.defs, rest.data, kept, opts));
    } catch {
      records.forEach((r, i) => bad.has(i) || letter(r, `unexpected error while encoding Parquet: ${errorMessage(whole)}`));
      return undefined;
    }
  }
}
