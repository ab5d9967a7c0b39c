import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { S3Schema, S3SqsEventNotificationSchema } from '@aws-lambda-powertools/parser/schemas/s3';
import { scheduleEventSchema, validateLoadObjectEvent } from '../../../handlers/events';
import { requestsFromSqs } from '../../../handlers/sqsS3';
import { buildS3Event } from '../../../infra/local/offline-s3/event';
import { buildSqsEvent } from '../../../infra/local/offline-s3/sqsEvent';

const readEvent = (f: string) => JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'events', f), 'utf8')) as any;

const keys = ['accounts/date=2026-12-02/accounts+0+1-2.parquet', 'customers/date=2026-12-02/customers+0+3-4.parquet'];
const s3 = buildS3Event(
  { bucket: 'banking-data', region: 'us-east-1', configurationId: 'c' },
  keys.map((key) => ({ key, size: 1, eTag: 'e', lastModified: new Date(0) })),
);
const sqs = () => buildSqsEvent(s3, keys, { queueArn: 'arn:aws:sqs:us-east-1:0:q', region: 'us-east-1', receiveCount: 1 }).event;

describe("loadObject's events: the parser's schemas", () => {
  it("accepts the recorded S3 event (events/loadObject.json), as the parser's S3Schema does", () => {
    const event = readEvent('loadObject.json');
    expect(S3Schema.safeParse(event).success).toBe(true);
    expect(validateLoadObjectEvent(event)).toMatchObject({ success: true, data: { kind: 's3' } });
  });

  it("accepts offline-s3's SQS batch, as the parser's S3SqsEventNotificationSchema does", () => {
    const event = sqs();
    expect(S3SqsEventNotificationSchema.safeParse(event).success).toBe(true);
    expect(validateLoadObjectEvent(event)).toMatchObject({ success: true, data: { kind: 'sqs' } });
    expect(validateLoadObjectEvent({ sweep: true, days: 2 })).toMatchObject({ success: true, data: { kind: 'sweep' } });
  });

  it('accepts an IPv6 client address, which the parser alone refuses', () => {
    const event = readEvent('loadObject.json');
    event.Records[0].requestParameters.sourceIPAddress = '2001:db8::1';
    expect(S3Schema.safeParse(event).success).toBe(false);
    expect(validateLoadObjectEvent(event).success).toBe(true);
  });

  it.each([
    [
      'a MinIO event (not what AWS or offline-s3 sends)',
      { eventSource: 'minio:s3' },
      /^Records\.0\.eventSource: .*"aws:s3".*\(as s3 event\)$/,
    ],
    ['an S3 record without its bucket', { s3: { object: { key: 'k' } } }, /^Records\.0\.s3\.s3SchemaVersion: .*\(as s3 event\)/],
  ])('rejects %s, naming the field', (_what, patch, problem) => {
    const event = readEvent('loadObject.json');
    Object.assign(event.Records[0], patch);
    const v = validateLoadObjectEvent(event);
    expect(!v.success && v.problems.some((p) => problem.test(p))).toBe(true);
  });

  it('names what is wrong in an SQS batch or a sweep, in their own terms', () => {
    const event = sqs();
    delete (event.Records[1] as Partial<(typeof event.Records)[number]>).receiptHandle;
    const v = validateLoadObjectEvent(event);
    expect(!v.success && v.problems).toEqual([
      'Records.1.receiptHandle: Invalid input: expected string, received undefined (as sqs event)',
    ]);
    const sweep = validateLoadObjectEvent({ sweep: true, days: 0 });
    expect(!sweep.success && sweep.problems[0]).toMatch(/^days: .*\(as sweep event\)$/);
  });

  it('a message whose body is not an S3 notification is left for the dead-letter queue with the reason; the others load', () => {
    const event = sqs();
    const notS3 = JSON.parse(event.Records[0]!.body);
    delete notS3.Records[0].s3.bucket;
    event.Records.push({ ...event.Records[0]!, messageId: 'bad', body: JSON.stringify(notS3) });
    const queued = requestsFromSqs(event);
    expect(queued.requests.map((r) => r.key)).toEqual(keys);
    expect(queued.unreadable).toEqual([
      { messageId: 'bad', reason: expect.stringMatching(/^body is not an S3 event notification: Records\.0\.s3\.bucket: /) },
    ]);
  });
});

describe("generate's event: the parser's EventBridge fields", () => {
  it('accepts the recorded schedule event (events/generate.json), a partial one, {} and overrides', () => {
    const event = readEvent('generate.json');
    expect(EventBridgeSchema.safeParse(event).success).toBe(true);
    expect(scheduleEventSchema.parse(event)).toMatchObject({ 'detail-type': 'Scheduled Event', iterations: 1 });
    for (const e of [{ 'detail-type': 'Scheduled Event', source: 'aws.events' }, {}, { iterations: 3, seed: 7 }]) {
      expect(scheduleEventSchema.safeParse(e).success).toBe(true);
    }
    // serverless-offline's schedule time: ISO without fractions (ScheduleEvent.js)
    expect(scheduleEventSchema.safeParse({ time: '2020-02-09T14:13:57Z' }).success).toBe(true);
  });

  it('rejects a time that is not ISO 8601 and a negative iteration count', () => {
    expect(scheduleEventSchema.safeParse({ time: 'yesterday' }).success).toBe(false);
    expect(scheduleEventSchema.safeParse({ iterations: -1 }).success).toBe(false);
  });
});
