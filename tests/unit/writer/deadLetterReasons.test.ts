/**
 * A dead letter's reason is logged (handlers/writeBatch.ts: `record dead-lettered {key, error}`),
 * so it names the column, the kind of value and the record's coordinates, and never carries the
 * value: values are customer data. The dead letter object itself keeps the whole record.
 */
import { storeBatch, type ObjectSink, type PutRequest } from '../../../functions/writer';
import { envelopeOf, loadRecording, withEnvelope } from '../../fixtures/debezium';

const rec = loadRecording();
// Customer data as a poison record would carry it; it must reach no reason, in whole or in part.
const SECRET = 'Jo Banks jo.banks@example.com 4485-1234-5678-9012';
const SECRET_NUMBER = '4485123456789012';

class MemorySink implements ObjectSink {
  readonly objects = new Map<string, PutRequest>();
  async put(req: PutRequest): Promise<void> {
    this.objects.set(req.key, req);
  }
}

function pick(table: string, op: string) {
  return rec.records.find((r) => r.value && r.topic.endsWith(`.${table}`) && envelopeOf(r).op === op)!;
}

function withAfter(table: string, patch: Record<string, unknown>) {
  const r = pick(table, table === 'customers' ? 'c' : 'u');
  const env = envelopeOf(r);
  return withEnvelope(r, { ...env, after: { ...(env.after as object), ...patch } });
}

const poison: Array<[string, ReturnType<typeof pick>, RegExp]> = [
  [
    'a text too long for its column',
    withAfter('customers', { email: SECRET.repeat(10) }),
    /column email \(text\).*longer than 255/,
  ],
  ['a decimal that is not one', withAfter('accounts', { balance: SECRET }), /column balance \(decimal\)/],
  ['a string where an integer goes', withAfter('accounts', { customer_id: SECRET }), /column customer_id \(int32\)/],
  ['an unknown op', withEnvelope(pick('accounts', 'u'), { ...envelopeOf(pick('accounts', 'u')), op: SECRET }), /envelope\.op/],
  [
    'a value that is not JSON',
    { ...pick('customers', 'c'), value: Buffer.from(`{"payload":{"after":{"email":"${SECRET}`).toString('base64') },
    /value is not JSON/,
  ],
  [
    // Not a kind of bad input the decoder knows: Node's own TypeError would quote the number.
    'a value of the wrong type, which the runtime rejects',
    { ...pick('customers', 'c'), value: 4485123456789012 as unknown as string },
    /unexpected TypeError while decoding at /,
  ],
];

describe('dead-letter reasons carry no value', () => {
  it.each(poison)('%s: the column and the kind of value, never the value', async (_what, record, reason) => {
    const sink = new MemorySink();
    const result = await storeBatch([record], { sink, dlqPrefix: '_dlq' });
    const key = `_dlq/${record.topic}/${record.partition}-${record.offset}.json`;
    expect(result.deadLetters).toEqual([{ key, error: expect.stringMatching(reason) }]);
    const logged = JSON.stringify(result.deadLetters);
    // Not the value, nor any 6-character piece of it (a truncated excerpt would still leak).
    const pieces = [SECRET, SECRET_NUMBER]
      .flatMap((v) => Array.from({ length: v.length - 5 }, (_, i) => v.slice(i, i + 6)))
      .filter((p) => !/^\s|\s$/.test(p));
    expect(pieces.filter((p) => logged.includes(p))).toEqual([]);
    // The dead letter keeps the record whole, so nothing is lost.
    const letter = JSON.parse(sink.objects.get(key)!.body as string) as { value: unknown };
    expect(letter.value).toEqual(record.value);
  });
});
