import { buildS3Event } from '../../../infra/local/offline-s3/event';
import { buildSqsEvent, keysToRetry } from '../../../infra/local/offline-s3/sqsEvent';
import { sqsEventSchema } from '../../../handlers/events';
import { batchItemFailures, requestsFromSqs } from '../../../handlers/sqsS3';
import { summarize } from '../../../functions/loader/loader';

const keys = ['accounts/date=2026-12-02/accounts+0+1-2.parquet', 'customers/date=2026-12-02/customers+0+1-2.parquet'];
const s3 = buildS3Event(
  { bucket: 'banking-data', region: 'us-east-1', configurationId: 'c' },
  keys.map((key) => ({ key, size: 1, eTag: 'e', lastModified: new Date(0) })),
);

test('offline-s3 builds the SQS batch AWS delivers: one message per object, its body the S3 notification', () => {
  const { event, keyOf } = buildSqsEvent(s3, keys, {
    queueArn: 'arn:aws:sqs:us-east-1:0:q',
    region: 'us-east-1',
    receiveCount: 2,
  });
  expect(sqsEventSchema.safeParse(event).success).toBe(true);
  expect(event.Records).toHaveLength(2);
  expect(event.Records[0]).toMatchObject({ eventSource: 'aws:sqs', attributes: { ApproximateReceiveCount: '2' } });
  expect(JSON.parse(event.Records[1]!.body)).toEqual({ Records: [s3.Records[1]] });
  // The handler's side reads them back to the same keys (encoded as AWS does, decoded by the handler).
  const queued = requestsFromSqs(event);
  expect(queued.requests.map((r) => r.key)).toEqual(keys);
  expect([...keyOf.values()]).toEqual(keys);
});

test("batchItemFailures name the deferred objects' messages and unreadable ones; offline-s3 retries only those", () => {
  const { event, keyOf } = buildSqsEvent(s3, keys, { queueArn: 'q', region: 'us-east-1', receiveCount: 1 });
  event.Records.push({ ...event.Records[0]!, messageId: 'garbage', body: 'not json' });
  event.Records.push({
    ...event.Records[0]!,
    messageId: 'test',
    body: JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent' }),
  });
  const queued = requestsFromSqs(event);
  expect(queued.testEvents).toBe(1);
  const report = summarize([
    { key: keys[0]!, status: 'loaded', rows: 2 },
    { key: keys[1]!, status: 'deferred' },
  ]);
  const failures = batchItemFailures(queued, report);
  const deferredId = [...keyOf].find(([, k]) => k === keys[1])![0];
  expect(failures.map((f) => f.itemIdentifier).sort()).toEqual([deferredId, 'garbage'].sort());
  expect(keysToRetry({ event, keyOf }, { batchItemFailures: [{ itemIdentifier: deferredId }] })).toEqual([keys[1]]);
  expect(keysToRetry({ event, keyOf }, { loaded: 2 })).toEqual([]);
  // An identifier that is no message of the batch fails the whole batch, as in AWS.
  expect(keysToRetry({ event, keyOf }, { batchItemFailures: [{ itemIdentifier: 'nope' }] })).toEqual(keys);
});
