/**
 * Issue 11 item 1: no record is ever silently altered. Each case starts from a real recorded
 * Debezium envelope (tests/fixtures/debezium/recording.json), edited the way the upstream change
 * would edit it, and must end either exact or as a dead letter whose reason says what to do.
 */
import { decodeRecord } from '../../../functions/writer';
import { storeBatch, type ObjectSink, type PutRequest } from '../../../functions/writer';
import { tableForTopic } from '../../../functions/shared/tables';
import { changeEvents, envelopeOf, loadRecording, withEnvelope, withImage } from '../../fixtures/debezium';
import { readParquetRows } from './readParquetWithDuckdb';

const rec = loadRecording();
const events = changeEvents(rec);
const first = (table: string, op: string) => events.find((r) => tableForTopic(r.topic) === table && envelopeOf(r).op === op)!;

class MemorySink implements ObjectSink {
  readonly objects = new Map<string, PutRequest>();
  async put(req: PutRequest): Promise<void> {
    this.objects.set(req.key, req);
  }
}

async function store(records: typeof rec.records) {
  const sink = new MemorySink();
  const result = await storeBatch(records, { sink, dlqPrefix: '_dlq' });
  return { sink, result };
}

function letterOf(sink: MemorySink, key: string): Record<string, unknown> {
  return JSON.parse(sink.objects.get(key)!.body as string) as Record<string, unknown>;
}

const dlqKey = (r: { topic: string; partition: number; offset: number }) => `_dlq/${r.topic}/${r.partition}-${r.offset}.json`;

describe('no record is silently altered', () => {
  it('dead-letters a renamed nullable column instead of storing null and dropping the new one', async () => {
    const txn = first('transactions', 'c');
    const after = { ...(envelopeOf(txn).after as Record<string, unknown>) };
    after.counterparty_id = after.related_account_id ?? 7;
    delete after.related_account_id;
    const renamed = withImage(txn, 'after', after, { rename: ['related_account_id', 'counterparty_id'] });
    const { sink, result } = await store([renamed]);
    expect(result.objects).toEqual([]);
    expect(result.deadLetters).toEqual([{ key: dlqKey(txn), error: expect.stringMatching(/related_account_id/) }]);
    expect(letterOf(sink, dlqKey(txn)).error).toMatch(/renamed or dropped.*functions\/shared\/tables\.ts/);
  });

  it('writes a record that appears twice in one batch (same topic, partition, offset) once', async () => {
    const acct = first('accounts', 'u');
    const { sink, result } = await store([acct, first('accounts', 'c'), acct]);
    expect(result.objects.reduce((n, o) => n + o.rows, 0)).toBe(2);
    const offsets: bigint[] = [];
    for (const o of result.objects) {
      const { rows } = await readParquetRows(o.table, sink.objects.get(o.key)!.body as Uint8Array);
      offsets.push(...rows.map((r) => r._kafka_offset as bigint));
    }
    expect(offsets).toHaveLength(2);
    expect(new Set(offsets).size).toBe(2);
  });

  it("dead-letters Debezium's placeholder for an unchanged TOASTed value", async () => {
    const cust = first('customers', 'u');
    const after = { ...(envelopeOf(cust).after as Record<string, unknown>), email: '__debezium_unavailable_value' };
    const { sink, result } = await store([withImage(cust, 'after', after)]);
    expect(result.objects).toEqual([]);
    expect(letterOf(sink, dlqKey(cust)).error).toMatch(/email.*__debezium_unavailable_value.*REPLICA IDENTITY FULL/);
  });

  it.each([
    ['0001-01-01T00:00:00Z', -62135596800000000n],
    ['0099-06-01T12:00:00.000001Z', -59029905599999999n],
    ['0000-03-01T00:00:00Z', -62162035200000000n],
  ])('keeps a timestamp in the years 0-99 exact: %s', (iso, micros) => {
    const cust = first('customers', 'c');
    const after = { ...(envelopeOf(cust).after as Record<string, unknown>), created_at: iso };
    const d = decodeRecord(withImage(cust, 'after', after));
    expect(d.kind === 'row' && d.row.created_at).toBe(micros);
  });

  it('dead-letters a value that is not valid UTF-8 instead of storing U+FFFD', async () => {
    const cust = first('customers', 'c');
    const bytes = Buffer.from(cust.value!, 'base64');
    const at = bytes.indexOf(Buffer.from('Zo', 'utf8'));
    expect(at).toBeGreaterThan(0);
    const broken = Buffer.concat([bytes.subarray(0, at + 2), Buffer.from([0xc3, 0x28]), bytes.subarray(at + 2)]);
    const { sink, result } = await store([{ ...cust, value: broken.toString('base64') }]);
    expect(result.objects).toEqual([]);
    expect(letterOf(sink, dlqKey(cust)).error).toMatch(/UTF-8/);
  });

  it.each([
    ['past the year 9999', 253402300800000],
    ['beyond what a Date holds', 8.64e15 + 1],
  ])('dead-letters a source.ts_ms %s rather than failing the whole batch', async (_what, tsMs) => {
    const txn = first('transactions', 'c');
    const env = envelopeOf(txn);
    const bad = withEnvelope(txn, { ...env, source: { ...(env.source as object), ts_ms: tsMs } });
    const good = first('customers', 'c');
    const { sink, result } = await store([good, bad]);
    expect(result.objects.map((o) => o.table)).toEqual(['customers']);
    expect(letterOf(sink, dlqKey(bad)).error).toMatch(/source\.ts_ms/);
  });

  it('dead-letters one record of a foreign topic for a known table and stores the rest', async () => {
    const acct = first('accounts', 'c');
    const foreign = { ...acct, topic: 'other_server.public.accounts' };
    const { sink, result } = await store([acct, foreign]);
    expect(result.objects.map((o) => o.rows)).toEqual([1]);
    expect(letterOf(sink, dlqKey(foreign)).error).toMatch(/other_server\.public\.accounts.*KAFKA_TOPIC_PREFIX/);
  });
});
