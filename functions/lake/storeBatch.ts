/**
 * The batch writer's core: decode every record of a Kafka batch, write one Parquet object per
 * (table, date, partition) and one dead letter per undecodable record, and return only once every
 * object is stored. Any failed PUT fails the whole call so the batch is retried (same keys, same
 * bytes), and no offset is committed for data that is not durable.
 */
import { decodeRecord, type KafkaRecordIn } from '../cdc/decodeRecord';
import { DecodeError, errorMessage, ServiceError } from '../shared/errors';
import type { TableName } from '../shared/tables';
import { deadLetter, deadLetterObject } from './deadLetter';
import { encodeParquet } from './encodeParquet';
import { groupChanges, type TableRow } from './groupChanges';
import { settleAllBounded, type PutRequest } from './objectStore';

export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

export interface ObjectSink {
  put(req: PutRequest): Promise<void>;
}

export interface StoreBatchOptions {
  sink: ObjectSink;
  dlqPrefix: string;
  /** PUTs in flight at once. */
  concurrency?: number;
}

export interface StoredObject {
  key: string;
  table: TableName;
  rows: number;
  bytes: number;
}

export interface StoreBatchResult {
  objects: StoredObject[];
  deadLetters: { key: string; error: string }[];
  tombstones: number;
  rowsByTable: Partial<Record<TableName, number>>;
}

export async function storeBatch(records: readonly KafkaRecordIn[], opts: StoreBatchOptions): Promise<StoreBatchResult> {
  const changes: TableRow[] = [];
  const puts: PutRequest[] = [];
  const deadLetters: StoreBatchResult['deadLetters'] = [];
  let tombstones = 0;

  for (const record of records) {
    try {
      const decoded = decodeRecord(record);
      if (decoded.kind === 'tombstone') tombstones++;
      else changes.push(decoded);
    } catch (err) {
      // Only a bad record is dead-lettered; a bug in our code must fail the batch loudly.
      if (!(err instanceof DecodeError)) throw err;
      const letter = deadLetterObject(opts.dlqPrefix, deadLetter(record, err.message));
      deadLetters.push({ key: letter.key, error: err.message });
      puts.push({ key: letter.key, body: letter.body, contentType: 'application/json' });
    }
  }

  const objects: StoredObject[] = [];
  const rowsByTable: StoreBatchResult['rowsByTable'] = {};
  for (const obj of groupChanges(changes)) {
    const body = encodeParquet(obj.table, obj.rows);
    puts.push({ key: obj.key, body, contentType: PARQUET_CONTENT_TYPE });
    objects.push({ key: obj.key, table: obj.table, rows: obj.rows.length, bytes: body.byteLength });
    rowsByTable[obj.table] = (rowsByTable[obj.table] ?? 0) + obj.rows.length;
  }

  const settled = await settleAllBounded(puts, opts.concurrency ?? 8, (req) => opts.sink.put(req));
  const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [`${puts[i]!.key}: ${errorMessage(s.reason)}`] : []));
  if (failed.length) {
    throw new ServiceError(
      's3',
      `${failed.length} of ${puts.length} PUTs failed; the batch must be retried: ${failed.join('; ')}`,
    );
  }
  return { objects, deadLetters, tombstones, rowsByTable };
}
