import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kafkaEventSchema } from '../../../handlers/events';
import { validateKafkaEvent } from '../../../handlers/kafkaEvent';

const recorded = ['writeBatch.json', 'writeBatch-msk.json'].map(
  (f) => JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'events', f), 'utf8')) as Record<string, unknown>,
);

describe('validateKafkaEvent (in place) agrees with kafkaEventSchema (zod)', () => {
  it.each(recorded.map((e, i) => [i, e]))('accepts recorded event %i and returns it without a copy', (_i, event) => {
    const v = validateKafkaEvent(event);
    expect(kafkaEventSchema.safeParse(event).success).toBe(true);
    expect(v.success && v.data).toBe(event);
  });

  const base = recorded[0]!;
  const tp = Object.keys(base.records as object)[0]!;
  const first = (base.records as Record<string, Record<string, unknown>[]>)[tp]![0]!;
  const withRecord = (patch: Record<string, unknown>) => ({ ...base, records: { [tp]: [{ ...first, ...patch }] } });
  it.each([
    ['an unknown eventSource', { ...base, eventSource: 'aws:sqs' }],
    ['records that are not an object', { ...base, records: [] }],
    ['a partition list that is not an array', { ...base, records: { [tp]: first } }],
    ['a topic that is not a string', withRecord({ topic: 5 })],
    ['a fractional offset', withRecord({ offset: 1.5 })],
    ['a partition as a string', withRecord({ partition: '0' })],
    ['a value that is a number', withRecord({ value: 12 })],
    ['a key that is an object', withRecord({ key: {} })],
    ['a timestamp as a string', withRecord({ timestamp: '1' })],
    ['headers that are not an array', withRecord({ headers: {} })],
    ['not an object at all', 'event'],
  ])('rejects %s, as zod does', (_what, event) => {
    expect(kafkaEventSchema.safeParse(event).success).toBe(false);
    const v = validateKafkaEvent(event);
    expect(v.success).toBe(false);
  });

  it('accepts a tombstone (value null) and a record without key, as zod does', () => {
    const event = withRecord({ value: null, key: undefined });
    expect(kafkaEventSchema.safeParse(event).success).toBe(true);
    expect(validateKafkaEvent(event).success).toBe(true);
  });
});
