import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaMskEventSchema, KafkaSelfManagedEventSchema } from '@aws-lambda-powertools/parser/schemas/kafka';
import { kafkaEnvelopeSchema } from '../../../handlers/events';
import { validateKafkaEvent } from '../../../handlers/kafkaEvent';
import { loadRecording } from '../../fixtures/debezium';

const ROOT = join(__dirname, '..', '..', '..');
const readJson = (...p: string[]) => JSON.parse(readFileSync(join(ROOT, ...p), 'utf8')) as Record<string, unknown>;
const recorded = ['writeBatch.json', 'writeBatch-msk.json'].map((f) => [f, readJson('events', f)] as const);

/** The recorded Debezium records (tombstones included) as the self-managed event Lambda would deliver. */
function eventOfRecording(file: string): Record<string, unknown> {
  const records: Record<string, unknown[]> = {};
  for (const r of loadRecording(file).records) (records[`${r.topic}-${r.partition}`] ??= []).push(r);
  return { eventSource: 'SelfManagedKafka', bootstrapServers: '127.0.0.1:9092', records };
}
const recordings = ['recording.json', 'recording-schemaless.json', 'types.json', 'toast.json', 'evolution.json'];

describe('validateKafkaEvent: the parser checks the envelope, records are checked in place', () => {
  it.each(recorded)('accepts recorded %s and returns it without a copy', (_f, event) => {
    const v = validateKafkaEvent(event);
    expect(v.success && v.data).toBe(event);
    expect(kafkaEnvelopeSchema.safeParse(event).success).toBe(true);
  });

  it.each(recordings)('accepts the records of fixture %s (Debezium, recorded)', (file) => {
    const event = eventOfRecording(file);
    expect(validateKafkaEvent(event)).toMatchObject({ success: true });
  });

  it("the parser's full schemas refuse the recorded batches' tombstones (value null), which is why records are ours", () => {
    const [, selfManaged] = recorded[0]!;
    const [, msk] = recorded[1]!;
    const issues = KafkaSelfManagedEventSchema.safeParse(selfManaged).error?.issues ?? [];
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.every((i) => i.path.at(-1) === 'value')).toBe(true);
    expect(KafkaMskEventSchema.safeParse(msk).success).toBe(false);
  });

  const [, base] = recorded[0]!;
  const tp = Object.keys(base.records as object)[0]!;
  const first = (base.records as Record<string, Record<string, unknown>[]>)[tp]![0]!;
  const withRecord = (patch: Record<string, unknown>) => ({ ...base, records: { [tp]: [{ ...first, ...patch }] } });
  it.each([
    ['an unknown eventSource', { ...base, eventSource: 'aws:sqs' }, /^eventSource: /],
    ['an MSK event without its cluster ARN', { ...base, eventSource: 'aws:kafka' }, /^eventSourceArn: /],
    ['bootstrapServers that is a number', { ...base, bootstrapServers: 9092 }, /^bootstrapServers: /],
    ['records that are not an object', { ...base, records: [] }, /^records: expected an object/],
    ['a partition list that is not an array', { ...base, records: { [tp]: first } }, /expected an array/],
    ['a topic that is not a string', withRecord({ topic: 5 }), /\.0\.topic: expected a string/],
    ['a fractional offset', withRecord({ offset: 1.5 }), /\.0\.offset: expected an integer/],
    ['a partition as a string', withRecord({ partition: '0' }), /\.0\.partition: expected an integer/],
    ['a value that is a number', withRecord({ value: 12 }), /\.0\.value: expected a base64 string/],
    ['a key that is an object', withRecord({ key: {} }), /\.0\.key: expected a base64 string/],
    ['a timestamp as a string', withRecord({ timestamp: '1' }), /\.0\.timestamp: expected a number/],
    ['headers that are not an array', withRecord({ headers: {} }), /\.0\.headers: expected an array/],
    ['not an object at all', 'event', /^\(event\): expected an object/],
  ])('rejects %s, naming the field', (_what, event, problem) => {
    const v = validateKafkaEvent(event);
    expect(v.success).toBe(false);
    expect(!v.success && v.problems.some((p) => problem.test(p))).toBe(true);
  });

  it('accepts a tombstone (value null), a record without key, and the aws:SelfManagedKafka source name', () => {
    expect(validateKafkaEvent(withRecord({ value: null, key: undefined })).success).toBe(true);
    expect(validateKafkaEvent({ ...base, eventSource: 'aws:SelfManagedKafka' }).success).toBe(true);
  });
});
