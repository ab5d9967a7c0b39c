/**
 * One Kafka record (as Lambda delivers it: base64 key/value) to one typed change row, driven by
 * the table definitions. Deletes carry the before image; tombstones (null value after a delete)
 * carry nothing and are skipped; anything that does not fit throws DecodeError.
 */
import { DecodeError } from '../shared/errors';
import type { ChangeRow } from '../shared/rows';
import { TABLES, tableForTopic, type TableName } from '../shared/tables';
import { decodeColumn } from './columnValues';
import { parseEnvelope, type Envelope, type Image } from './envelope';

/** The Kafka record fields the decoder needs; structurally the Lambda event record. */
export interface KafkaRecordIn {
  topic: string;
  partition: number;
  offset: number;
  timestamp?: number;
  key?: string | null;
  value?: string | null;
}

export type Decoded = { kind: 'row'; table: TableName; row: ChangeRow } | { kind: 'tombstone' };

function rowImage(env: Envelope): Image {
  const img = env.op === 'd' ? env.before : env.after;
  if (img) return img;
  throw new DecodeError(
    env.op === 'd'
      ? 'delete without a before image (the table needs REPLICA IDENTITY FULL)'
      : `op '${env.op}' without an after image`,
  );
}

export function decodeRecord(record: KafkaRecordIn): Decoded {
  if (record.value === null || record.value === undefined || record.value === '') return { kind: 'tombstone' };
  const table = tableForTopic(record.topic);
  if (!table) throw new DecodeError(`topic ${record.topic} carries no known table`);
  const env = parseEnvelope(Buffer.from(record.value, 'base64').toString('utf8'));
  const img = rowImage(env);

  const def = TABLES[table];
  const row: ChangeRow = {};
  for (const col of def.columns) row[col.name] = decodeColumn(col, img[col.name]);
  // A column we do not know (ALTER TABLE upstream) would be dropped silently otherwise.
  if (Object.keys(img).length !== def.columns.length) {
    const unknown = Object.keys(img).filter((k) => !def.columns.some((c) => c.name === k));
    if (unknown.length)
      throw new DecodeError(`unknown column(s) ${unknown.join(', ')} in ${table}; update functions/shared/tables.ts`);
  }
  row._op = env.op;
  row._lsn = BigInt(env.lsn);
  row._source_ts_ms = BigInt(env.sourceTsMs);
  row._tx_id = env.txId === null ? null : BigInt(env.txId);
  row._kafka_topic = record.topic;
  row._kafka_partition = record.partition;
  row._kafka_offset = BigInt(record.offset);
  return { kind: 'row', table, row };
}
