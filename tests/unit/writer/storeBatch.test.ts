import { createHash } from 'node:crypto';
import { encodeParquet, groupChanges, storeBatch, type ObjectSink, type PutRequest } from '../../../functions/writer';
import { decodeRecord } from '../../../functions/writer';
import { ServiceError } from '../../../functions/shared/errors';
import { envelopeOf, loadRecording, withEnvelope } from '../../fixtures/debezium';
import { readParquetRows } from './readParquetWithDuckdb';

const rec = loadRecording();

class MemorySink implements ObjectSink {
  readonly objects = new Map<string, PutRequest>();
  constructor(private readonly failKeys: (key: string) => boolean = () => false) {}
  async put(req: PutRequest): Promise<void> {
    await new Promise((r) => setImmediate(r));
    if (this.failKeys(req.key)) throw new Error('503 SlowDown');
    this.objects.set(req.key, req);
  }
}

function bytes(req: PutRequest): Buffer {
  return Buffer.from(req.body);
}

describe('storeBatch', () => {
  const batch = rec.records;
  const bad = (() => {
    const r = rec.records.find((x) => x.value && envelopeOf(x).op === 'u' && x.topic.endsWith('.accounts'))!;
    const env = envelopeOf(r);
    return withEnvelope(r, { ...env, after: { ...(env.after as object), balance: '1.999' } });
  })();

  it('writes one Parquet object per (table, date, partition) with exactly the decoded rows', async () => {
    const sink = new MemorySink();
    const result = await storeBatch(batch, { sink, dlqPrefix: '_dlq' });
    const rows = batch.map(decodeRecord).flatMap((d) => (d.kind === 'row' ? [d] : []));
    const expected = groupChanges(rows);
    expect(result.objects.map((o) => o.key)).toEqual(expected.map((o) => o.key));
    for (const obj of expected) {
      const put = sink.objects.get(obj.key)!;
      expect(put.contentType).toBe('application/vnd.apache.parquet');
      expect(bytes(put).equals(Buffer.from(encodeParquet(obj.table, obj.rows)))).toBe(true);
    }
    expect(result.tombstones).toBe(rec.records.filter((r) => r.value === null).length);
    expect(result.deadLetters).toEqual([]);
    expect(Object.values(result.rowsByTable).reduce((a, b) => (a ?? 0) + (b ?? 0), 0)).toBe(rows.length);
  });

  it('writes, with the earlier encodings, the very bytes of the writer before the one-pass rewrite', async () => {
    // SHA-256 of what the row-at-a-time writer (main at 99f46d9) stored for the recorded batches, taken
    // again when `_kafka_epoch` and `_unavailable_columns` joined the CDC columns (issue 24; both null/0 here).
    const before: Record<string, string> = {
      'accounts/date=2026-11-24/accounts+0+28-34.parquet': '84d515af14c1b1181ffd920c6c4eed92fe204a3face56356c4061be20e6233ab',
      'customers/date=2026-11-24/customers+0+20-22.parquet': 'f436b4dd3171131ec22beacb37a70afc0c78d5cc1ca97caf2d6149ce89f023ef',
      'transactions/date=2026-11-24/transactions+0+32-40.parquet':
        '737475d1fa3502e031da1ee0b75e44ef85bfbc10621f9a3e60df84724b035bc0',
      'accounts/date=2026-11-24/accounts+0+0-0.parquet': 'f8598d38115104d033c1b10428b1c14b7a420de2b7de740f2af6dd74788d4e4a',
      'customers/date=2026-11-24/customers+0+0-0.parquet': '442054a1debf3d1b1b8293a6392ef25e6a570bea7639f2909a47e3ab54569684',
      'transactions/date=2026-11-24/transactions+0+0-0.parquet':
        'd385106551434383b3fc8e8b9fea3c3d236c725ad790e64fdddb29bc26c80bd4',
    };
    // Recorded with schemas disabled, as the connector was then; the inline-schema recording holds other rows.
    const old = loadRecording('recording-schemaless.json');
    const sink = new MemorySink();
    await storeBatch(old.records, { sink, dlqPrefix: '_dlq', tunedEncodings: false, manifest: false });
    const topicPrefix = old.snapshotSamples[0]!.topic.split('.')[0];
    await storeBatch(old.snapshotSamples, { sink, dlqPrefix: '_dlq', tunedEncodings: false, manifest: false, topicPrefix });
    const now = Object.fromEntries([...sink.objects].map(([k, r]) => [k, createHash('sha256').update(r.body).digest('hex')]));
    expect(now).toEqual(before);
  });

  it('with the tuned encodings, stores the same values as before', async () => {
    const tuned = new MemorySink();
    const plain = new MemorySink();
    await storeBatch(batch, { sink: tuned, dlqPrefix: '_dlq' });
    await storeBatch(batch, { sink: plain, dlqPrefix: '_dlq', tunedEncodings: false });
    expect([...tuned.objects.keys()]).toEqual([...plain.objects.keys()]);
    for (const [key, req] of tuned.objects) {
      const table = key.split('/')[0] as 'accounts';
      expect(bytes(req).equals(bytes(plain.objects.get(key)!))).toBe(false);
      const a = await readParquetRows(table, req.body as Uint8Array);
      const b = await readParquetRows(table, plain.objects.get(key)!.body as Uint8Array);
      expect(a.rows).toEqual(b.rows);
      expect(a.duckTypes).toEqual(b.duckTypes);
    }
  });

  it('dead-letters an undecodable record with its raw value and still writes the rest', async () => {
    const sink = new MemorySink();
    const mixed = batch.map((r) => (r.topic === bad.topic && r.offset === bad.offset ? bad : r));
    const result = await storeBatch(mixed, { sink, dlqPrefix: '_dlq' });
    const dlqKey = `_dlq/${bad.topic}/${bad.partition}-${bad.offset}.json`;
    expect(result.deadLetters).toEqual([{ key: dlqKey, error: expect.stringMatching(/balance.*more than 2 fraction digits/) }]);
    const letter = JSON.parse(sink.objects.get(dlqKey)!.body as string) as Record<string, unknown>;
    expect(letter).toEqual({
      error: expect.stringMatching(/balance/),
      topic: bad.topic,
      partition: bad.partition,
      offset: bad.offset,
      timestamp: bad.timestamp,
      key: bad.key,
      value: bad.value,
    });
    const written = result.objects.reduce((n, o) => n + o.rows, 0);
    const decodable = batch.filter((r) => r.value !== null).length - 1;
    expect(written).toBe(decodable);
    expect(sink.objects.size).toBe(result.objects.length + 1);
  });

  it('gives the same keys and bytes when the same batch is stored again, in any order', async () => {
    const first = new MemorySink();
    const second = new MemorySink();
    await storeBatch(batch, { sink: first, dlqPrefix: '_dlq' });
    await storeBatch([...batch].reverse(), { sink: second, dlqPrefix: '_dlq' });
    expect([...second.objects.keys()].sort()).toEqual([...first.objects.keys()].sort());
    for (const [key, req] of first.objects) expect(bytes(second.objects.get(key)!).equals(bytes(req))).toBe(true);
  });

  it('stores a batch of snapshot reads like any other', async () => {
    const sink = new MemorySink();
    const topicPrefix = rec.snapshotSamples[0]!.topic.split('.')[0];
    const result = await storeBatch(rec.snapshotSamples, { sink, dlqPrefix: '_dlq', topicPrefix });
    expect(result.objects.map((o) => o.rows)).toEqual([1, 1, 1]);
    expect(result.objects.map((o) => o.key)).toEqual(
      rec.snapshotSamples
        .map((r) => {
          const table = r.topic.split('.').pop()!;
          const date = new Date((envelopeOf(r).source as { ts_ms: number }).ts_ms).toISOString().slice(0, 10);
          return `${table}/date=${date}/${table}+${r.partition}+${r.offset}-${r.offset}.parquet`;
        })
        .sort(),
    );
  });

  it('fails the whole batch when any PUT fails, after trying all of them', async () => {
    const sink = new MemorySink((key) => key.startsWith('accounts/'));
    const attempt = storeBatch(batch, { sink, dlqPrefix: '_dlq', concurrency: 2 });
    await expect(attempt).rejects.toThrow(ServiceError);
    await expect(storeBatch(batch, { sink, dlqPrefix: '_dlq' })).rejects.toThrow(/accounts\/date=.*503 SlowDown/);
    expect([...sink.objects.keys()].some((k) => k.startsWith('customers/'))).toBe(true);
    expect([...sink.objects.keys()].some((k) => k.startsWith('transactions/'))).toBe(true);
  });
});
