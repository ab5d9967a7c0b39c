import { KafkaMskEventSchema, KafkaSelfManagedEventSchema } from '@aws-lambda-powertools/parser/schemas/kafka';
import {
  buildKafkaEvent,
  recordsKey,
  toLambdaHeaders,
  toLambdaRecord,
  type SourceMessage,
} from '../../../infra/local/offline-kafka/event';
import { validateKafkaEvent } from '../../../handlers/kafkaEvent';

const msg = (offset: number, over: Partial<SourceMessage> = {}): SourceMessage => ({
  offset: String(offset),
  timestamp: '1545084650987',
  key: Buffer.from('recordKey'),
  value: Buffer.from('{"key":"value"}'),
  headers: { headerKey: Buffer.from('headerValue') },
  ...over,
});

const selfManaged = { kind: 'SelfManagedKafka' as const, bootstrapServers: 'b-1:9092,b-2:9092' };

describe('Kafka event shape', () => {
  it('matches the AWS documentation example byte for byte', () => {
    // The record from https://docs.aws.amazon.com/lambda/latest/dg/with-kafka.html
    const event = buildKafkaEvent(selfManaged, [{ topic: 'mytopic', partition: 0, messages: [msg(15)] }]);
    expect(event).toEqual({
      eventSource: 'SelfManagedKafka',
      bootstrapServers: 'b-1:9092,b-2:9092',
      records: {
        'mytopic-0': [
          {
            topic: 'mytopic',
            partition: 0,
            offset: 15,
            timestamp: 1545084650987,
            timestampType: 'CREATE_TIME',
            key: 'cmVjb3JkS2V5',
            value: 'eyJrZXkiOiJ2YWx1ZSJ9',
            headers: [{ headerKey: [104, 101, 97, 100, 101, 114, 86, 97, 108, 117, 101] }],
          },
        ],
      },
    });
    expect('eventSourceArn' in event).toBe(false);
  });

  it('is accepted by the Powertools schema of AWS and by our handler schema', () => {
    const event = buildKafkaEvent(selfManaged, [{ topic: 't', partition: 3, messages: [msg(1), msg(2)] }]);
    const pt = KafkaSelfManagedEventSchema.parse(event);
    expect(pt.records['t-3']?.[1]?.value).toBe('{"key":"value"}');
    expect(pt.records['t-3']?.[0]?.headers[0]?.headerKey).toBe('headerValue');
    const ours = validateKafkaEvent(event);
    expect(ours.success && ours.data.records['t-3']).toHaveLength(2);
  });

  it('builds the MSK variant with eventSource aws:kafka and the cluster ARN', () => {
    const arn = 'arn:aws:kafka:us-east-1:000000000000:cluster/banking/x-1';
    const event = buildKafkaEvent({ kind: 'aws:kafka', eventSourceArn: arn, bootstrapServers: '127.0.0.1:9092' }, [
      { topic: 't', partition: 0, messages: [msg(7)] },
    ]);
    expect(event.eventSource).toBe('aws:kafka');
    expect(event.eventSourceArn).toBe(arn);
    expect(KafkaMskEventSchema.parse(event).eventSourceArn).toBe(arn);
  });

  it('base64-encodes binary keys and values exactly', () => {
    const bytes = Buffer.from([0, 255, 128, 10, 13, 0xf0, 0x9f]);
    const r = toLambdaRecord('t', 0, msg(0, { key: bytes, value: bytes }));
    expect(Buffer.from(r.key ?? '', 'base64').equals(bytes)).toBe(true);
    expect(Buffer.from(r.value ?? '', 'base64').equals(bytes)).toBe(true);
  });

  it('gives a tombstone a null value and omits a null key', () => {
    const r = toLambdaRecord('t', 0, msg(9, { key: null, value: null, headers: {} }));
    expect(r.value).toBeNull();
    expect('key' in r).toBe(false);
    expect(r.headers).toEqual([]);
    const tombstone = buildKafkaEvent(selfManaged, [
      { topic: 't', partition: 0, messages: [msg(9, { key: null, value: null })] },
    ]);
    expect(validateKafkaEvent(tombstone).success).toBe(true);
    // The parser's record schema refuses it (value must be a string): why the writer checks records itself.
    expect(KafkaSelfManagedEventSchema.safeParse(tombstone).success).toBe(false);
  });

  it('keeps an empty (non-null) value as an empty base64 string, not a tombstone', () => {
    expect(toLambdaRecord('t', 0, msg(1, { value: Buffer.alloc(0) })).value).toBe('');
  });

  it('turns each header occurrence into its own {name: bytes} entry', () => {
    expect(toLambdaHeaders({ a: 'x', b: [Buffer.from([1, 2]), 'yz'], skipped: undefined })).toEqual([
      { a: [120] },
      { b: [1, 2] },
      { b: [121, 122] },
    ]);
  });

  it('keys records by topic-partition and keeps per-partition order', () => {
    const event = buildKafkaEvent(selfManaged, [
      { topic: 'a.b.c', partition: 0, messages: [msg(5), msg(6)] },
      { topic: 'a.b.c', partition: 1, messages: [msg(2)] },
      { topic: 'other', partition: 0, messages: [] },
    ]);
    expect(Object.keys(event.records).sort()).toEqual(['a.b.c-0', 'a.b.c-1']);
    expect(event.records['a.b.c-0']?.map((r) => r.offset)).toEqual([5, 6]);
    expect(event.records['a.b.c-1']?.[0]?.partition).toBe(1);
    expect(recordsKey('x-y', 12)).toBe('x-y-12');
  });

  it('refuses offsets that JSON numbers cannot carry exactly', () => {
    expect(() => toLambdaRecord('t', 0, msg(0, { offset: '9007199254740993' }))).toThrow(/not a safe integer/);
  });
});
