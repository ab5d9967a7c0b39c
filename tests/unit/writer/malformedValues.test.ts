/**
 * Issue 24 item 3: a Kafka value cut short or followed by stray bytes is dead-lettered, never stored
 * as a valid row. Each case edits a real recorded value (tests/fixtures/debezium) at the byte level,
 * in both formats (inline schema and schema-less), through every path of the reader: the first
 * record of a topic (full parse of the schema) and the records after it (the cached schema prefix).
 */
import { storeBatch, type ObjectSink, type PutRequest } from '../../../functions/writer';
import { RecordDecoder } from '../../../functions/writer/decode/decodeRecord';
import { DecodeError } from '../../../functions/shared/errors';
import { tableForTopic } from '../../../functions/shared/tables';
import { changeEvents, envelopeOf, loadRecording } from '../../fixtures/debezium';

type Rec = ReturnType<typeof loadRecording>['records'][number];

const formats: [string, Rec[]][] = [
  ['inline schema', changeEvents(loadRecording())],
  ['schema-less', changeEvents(loadRecording('recording-schemaless.json'))],
];

const cutShort = (r: Rec): Rec => {
  const bytes = Buffer.from(r.value!, 'base64');
  return { ...r, value: bytes.subarray(0, bytes.length - 1).toString('base64') };
};
const withTrailing = (r: Rec, extra: string): Rec => ({
  ...r,
  value: Buffer.concat([Buffer.from(r.value!, 'base64'), Buffer.from(extra, 'utf8')]).toString('base64'),
});

const edits: [string, (r: Rec) => Rec][] = [
  ['cut short by one byte', cutShort],
  ['followed by a stray }', (r) => withTrailing(r, '}')],
  ['followed by garbage', (r) => withTrailing(r, 'x')],
  ['followed by a second envelope', (r) => withTrailing(r, Buffer.from(r.value!, 'base64').toString('utf8'))],
];

describe.each(formats)('a malformed value (%s)', (_format, events) => {
  const ops = ['c', 'u', 'd'].map((op) => events.find((r) => envelopeOf(r).op === op)!);
  const cases = edits.flatMap(([what, edit]) => ops.map((r) => [what, envelopeOf(r).op as string, r, edit] as const));

  it.each(cases)('%s (op %s) is refused as the first record of its topic', (_what, _op, r, edit) => {
    expect(() => new RecordDecoder().decode(edit(r))).toThrow(DecodeError);
  });

  it.each(cases)('%s (op %s) is refused after a good record of its topic', (_what, _op, r, edit) => {
    const decoder = new RecordDecoder();
    const good = events.find((e) => e.topic === r.topic && e !== r)!;
    expect(decoder.decode(good).kind).toBe('row');
    expect(() => decoder.decode(edit(r))).toThrow(DecodeError);
    // The decoder is not left in a bad state: the same record, intact, still decodes.
    expect(decoder.decode(r).kind).toBe('row');
  });

  it('is dead-lettered with the reason while the rest of the batch is stored', async () => {
    const objects = new Map<string, PutRequest>();
    const sink: ObjectSink = { put: async (req) => void objects.set(req.key, req) };
    const bad = cutShort(ops[0]!);
    const good = events.filter((e) => e.topic === bad.topic && e.offset !== bad.offset).slice(0, 3);
    const result = await storeBatch([good[0]!, bad, ...good.slice(1)], { sink, dlqPrefix: '_dlq' });
    const key = `_dlq/${bad.topic}/${bad.partition}-${bad.offset}.json`;
    expect(result.deadLetters).toEqual([{ key, error: expect.stringMatching(/not JSON/) }]);
    expect(result.objects.reduce((n, o) => n + o.rows, 0)).toBe(good.length);
    expect(result.objects.every((o) => o.table === tableForTopic(bad.topic))).toBe(true);
    const letter = JSON.parse(objects.get(key)!.body as string) as { error: string };
    expect(letter.error).toMatch(/not JSON/);
  });
});
