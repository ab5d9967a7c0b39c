/**
 * writeBatch's warm-up event (sent by offline-kafka's threads before they consume): it encodes
 * synthetic batches and stores nothing, so the S3 client points at a port nothing listens on, and
 * any PUT would fail the call.
 */
import type { Context } from 'aws-lambda';

const context = { awsRequestId: 'warm-up', functionName: 'writeBatch' } as unknown as Context;

// Before the handler module is loaded: it reads its configuration at load, as on Lambda.
process.env.MINIO_BUCKET = 'warm-up-test';
process.env.MINIO_ENDPOINT = 'http://127.0.0.1:9';
process.env.AWS_REGION = 'us-east-1';
const { handler } = require('../../../handlers/writeBatch') as typeof import('../../../handlers/writeBatch');

test('a warm-up event is answered with the synthetic batches encoded, nothing dead-lettered, once per container', async () => {
  const first = (await handler({ warmUp: true }, context)) as { records: number; objects: number; deadLetters: number };
  expect(first.records).toBeGreaterThan(0);
  expect(first.objects).toBeGreaterThan(0);
  expect(first.deadLetters).toBe(0);
  // The same result again: the warm-up is done once.
  expect(await handler({ warmUp: true }, context)).toBe(first);
  // The full warm-up encodes 5,400 records: a few hundred ms alone, seconds on a machine shared with
  // other test runs; this test is about what it does, not how fast (the bench measures that).
}, 60_000);

test('an event that is neither a batch nor a warm-up is still refused', async () => {
  await expect(handler({ warmUp: true, records: {} }, context)).rejects.toThrow(/Invalid event/);
});
