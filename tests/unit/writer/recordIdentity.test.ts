/**
 * Record identity across a recreated topic (issue 24, item 6): the recorded batch stored once, then
 * the same topic recreated (offsets restart at 0) carrying other recorded changes, under the next
 * epoch (KAFKA_EPOCH). The new objects must overwrite none of the old, and the loader must insert
 * their rows, not skip them as records RAW already holds.
 */
import { storeBatch, type ObjectSink, type PutRequest } from '../../../functions/writer';
import { duckdbWarehouse } from '../../../functions/loader/duckdbWarehouse';
import { loadObjects } from '../../../functions/loader/loader';
import { parseLakeKey } from '../../../functions/shared/objectKeys';
import { tableForTopic } from '../../../functions/shared/tables';
import { loadRecording } from '../../fixtures/debezium';
import { memoryStore, recordingLog, scratchWarehouse, withDuckdb } from '../loader/fixtures';
import { readParquetRows } from './readParquetWithDuckdb';

const rec = loadRecording();
const bucket = 'banking-data';
const tmp = scratchWarehouse('wh-epoch-');

class MemorySink implements ObjectSink {
  readonly objects = new Map<string, PutRequest>();
  readonly overwritten: string[] = [];
  async put(req: PutRequest): Promise<void> {
    if (this.objects.has(req.key)) this.overwritten.push(req.key);
    this.objects.set(req.key, req);
  }
}

/** The recorded customers changes of partition 0, as a topic would hold them from offset `from`. */
function customersFrom(from: number, changes: typeof rec.records) {
  return changes.map((r, i) => ({ ...r, offset: from + i }));
}

describe('record identity across a recreated topic (KAFKA_EPOCH)', () => {
  const customers = rec.records.filter((r) => r.value !== null && tableForTopic(r.topic) === 'customers' && r.partition === 0);
  const older = customersFrom(0, customers.slice(0, Math.ceil(customers.length / 2)));
  const recreated = customersFrom(0, customers.slice(Math.ceil(customers.length / 2)));

  it('has recorded changes for both topics', () => {
    expect(older.length).toBeGreaterThan(0);
    expect(recreated.length).toBeGreaterThan(0);
  });

  it("stores a recreated topic's offset 0 under new keys, overwriting nothing, and tags its rows with the epoch", async () => {
    const sink = new MemorySink();
    const a = await storeBatch(older, { sink, dlqPrefix: '_dlq', topicPrefix: 'banking_server' });
    const b = await storeBatch(recreated, { sink, dlqPrefix: '_dlq', topicPrefix: 'banking_server', epoch: 1 });
    expect(a.deadLetters).toEqual([]);
    expect(b.deadLetters).toEqual([]);
    expect(sink.overwritten).toEqual([]);
    expect(b.objects.map((o) => parseLakeKey(o.key)).every((k) => k.epoch === 1 && k.firstOffset === 0n)).toBe(true);
    expect(a.objects.map((o) => parseLakeKey(o.key)).every((k) => k.epoch === 0)).toBe(true);
    const { rows } = await readParquetRows('customers', Buffer.from(sink.objects.get(b.objects[0]!.key)!.body));
    expect(rows.map((r) => Number(r._kafka_epoch))).toEqual(rows.map(() => 1));
  });

  it("loads the recreated topic's rows beside the older ones, skipping none as already held", async () => {
    const sink = new MemorySink();
    await storeBatch(older, { sink, dlqPrefix: '_dlq', topicPrefix: 'banking_server' });
    await storeBatch(recreated, { sink, dlqPrefix: '_dlq', topicPrefix: 'banking_server', epoch: 1 });
    const objects = new Map([...sink.objects].map(([k, r]) => [`${bucket}/${k}`, Buffer.from(r.body) as Uint8Array]));
    const log = recordingLog();
    const warehouse = duckdbWarehouse({ path: tmp.dbPath, log, lock: { timeoutMs: 5_000 } });
    const keys = [...sink.objects.keys()].sort();
    const report = await loadObjects(
      keys.map((key) => ({ bucket, key })),
      { warehouse, store: memoryStore(objects), log },
    );
    expect(report).toMatchObject({ loaded: keys.length, failed: 0, rows: older.length + recreated.length });
    const held = await withDuckdb(tmp.dbPath, (q) =>
      q('SELECT coalesce(_kafka_epoch, 0)::INT AS epoch, count(*)::INT AS n FROM raw.customers GROUP BY 1 ORDER BY 1'),
    );
    expect(held).toEqual([
      { epoch: 0, n: older.length },
      { epoch: 1, n: recreated.length },
    ]);
    // A redelivery of the recreated topic's record, cut into another object, is still held once.
    const again = await storeBatch(recreated.slice(0, 1), { sink, dlqPrefix: '_dlq', topicPrefix: 'banking_server', epoch: 1 });
    const key = again.objects[0]!.key;
    const more = new Map([[`${bucket}/${key}`, Buffer.from(sink.objects.get(key)!.body) as Uint8Array]]);
    const second = await loadObjects([{ bucket, key }], {
      warehouse: duckdbWarehouse({ path: tmp.dbPath, log, lock: { timeoutMs: 5_000 } }),
      store: memoryStore(more),
      log,
    });
    expect(second.rows).toBe(0);
  });
});
