/**
 * One Kafka record (as Lambda delivers it: base64 key/value) to its table, envelope and column
 * values, in the layout of its schema. Deletes carry the before image; tombstones (null value
 * after a delete) carry nothing and are skipped; anything that does not fit throws DecodeError.
 */
import { DecodeError } from '../../shared/errors';
import type { ChangeRow } from '../../shared/rows';
import { tableForTopic, topicFor, type TableName } from '../../shared/tables';
import { formatDecimal, type Physical } from './columnValues';
import { layoutFromSchema } from './connectSchema';
import { toEnvelope, type Envelope, type Image } from './envelope';
import { decodeImage, tablesLayout, type Layout } from './layout';
import { fastEnvelope } from './fastEnvelope';
import { parseJson, ValueReader } from './valueReader';

/** The Kafka record fields the decoder needs; structurally the Lambda event record. */
export interface KafkaRecordIn {
  topic: string;
  partition: number;
  offset: number;
  timestamp?: number;
  key?: string | null;
  value?: string | null;
}

export type DecodedValues =
  | {
      kind: 'row';
      table: TableName;
      layout: Layout;
      env: Envelope;
      values: readonly Physical[];
      /** `_unavailable_columns`: the JSON array of the columns Debezium could not send, or null. */
      unavailable: string | null;
    }
  | { kind: 'tombstone' };

function rowImage(env: Envelope): Image {
  const img = env.op === 'd' ? env.before : env.after;
  if (img) return img;
  throw new DecodeError(
    env.op === 'd'
      ? 'delete without a before image (the table needs REPLICA IDENTITY FULL)'
      : `op '${env.op}' without an after image`,
  );
}

/** Decodes records of `<topicPrefix>.public.<table>` topics; keeps each topic's schemas cached. */
export class RecordDecoder {
  private readonly reader = new ValueReader<Layout>((topic, text) => layoutFromSchema(tableForTopic(topic)!, text));
  private readonly scratch: Physical[] = [];
  private readonly missing: string[] = [];
  private readonly topics = new Map<string, { table: TableName } | { refused: string }>();

  /** Without a prefix, any `<prefix>.public.<table>` topic is accepted (tests, tools). */
  constructor(private readonly topicPrefix?: string) {}

  /**
   * The topic's table, any table (tables.ts declares some; the others are typed from their inline
   * schema); the reason a topic is refused is cached as well.
   */
  private tableOf(topic: string): TableName {
    let t = this.topics.get(topic);
    if (t === undefined) {
      const table = tableForTopic(topic);
      if (!table) t = { refused: `topic ${topic} carries no table: expected <prefix>.public.<table>` };
      else if (this.topicPrefix !== undefined && topic !== topicFor(table, this.topicPrefix)) {
        t = {
          refused:
            `topic ${topic} is not this writer's: it writes ${table} from ${topicFor(table, this.topicPrefix)} ` +
            `(KAFKA_TOPIC_PREFIX=${this.topicPrefix}); subscribe one topic per table`,
        };
      } else t = { table };
      this.topics.set(topic, t);
    }
    if ('refused' in t) throw new DecodeError(t.refused);
    return t.table;
  }

  /** The values are valid until the next call (one scratch array, no allocation per record). */
  decode(record: KafkaRecordIn): DecodedValues {
    if (record.value === null || record.value === undefined || record.value === '') return { kind: 'tombstone' };
    const table = this.tableOf(record.topic);
    const { schema, text, payload } = this.reader.read(record.topic, record.value);
    const env = (text !== undefined && fastEnvelope(text)) || toEnvelope(text !== undefined ? parseJson(text) : payload);
    const layout = schema ?? tablesLayout(table);
    this.missing.length = 0;
    const values = decodeImage(layout, rowImage(env), this.scratch, this.missing);
    const unavailable = this.missing.length === 0 ? null : JSON.stringify(this.missing);
    return { kind: 'row', table, layout, env, values, unavailable };
  }
}

export type Decoded = { kind: 'row'; table: TableName; row: ChangeRow } | { kind: 'tombstone' };

const shared = new RecordDecoder();

/** One record to a change row in the in-memory representation (functions/shared/rows.ts). */
export function decodeRecord(record: KafkaRecordIn): Decoded {
  const d = shared.decode(record);
  if (d.kind === 'tombstone') return d;
  const row: ChangeRow = {};
  const cols = [...d.layout.known, ...d.layout.extra];
  cols.forEach((c, i) => {
    const v = d.values[i] ?? null;
    row[c.def.name] = c.def.type === 'decimal' && v !== null ? formatDecimal(v as bigint, c.def.scale ?? 0) : v;
  });
  row._op = d.env.op;
  row._lsn = BigInt(d.env.lsn);
  row._source_ts_ms = BigInt(d.env.sourceTsMs);
  row._tx_id = d.env.txId === null ? null : BigInt(d.env.txId);
  row._kafka_topic = record.topic;
  row._kafka_partition = record.partition;
  row._kafka_offset = BigInt(record.offset);
  row._kafka_epoch = 0;
  row._unavailable_columns = d.unavailable;
  return { kind: 'row', table: d.table, row };
}
