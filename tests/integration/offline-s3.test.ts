/**
 * S3EventSource against the real local MinIO (MINIO_ENDPOINT, 127.0.0.1:9000 by default), on a
 * bucket of its own (`offline-s3-test-<random>`, deleted afterwards), with the plugin's real
 * ListObjectsV2 lister and an in-process invoker that records what it gets.
 */
import { loadSettings } from '../../infra/local/stack/settings';
import { scratchBucket } from '../fixtures/scratchBucket';
import { recordingLogger } from '../fixtures/logs';
import { decodeFormEncodedKey, type S3Event } from '../../infra/local/offline-s3/event';
import { createS3Lister } from '../../infra/local/lib/s3List';
import { S3EventSource, type DeliveryInfo } from '../../infra/local/offline-s3/source';

jest.setTimeout(120_000);

const cfg = loadSettings();
const scratch = scratchBucket('offline-s3-test');
const bucket = scratch.name;
const etags = new Map<string, string>();
const logs: string[] = [];
const logger = recordingLogger(logs);

async function put(key: string, body = `body of ${key}`): Promise<void> {
  etags.set(key, await scratch.put(key, body));
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; log:\n${logs.slice(-20).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Delivery {
  key: string;
  eTag: string;
  size: number;
  kind: DeliveryInfo['kind'];
}

/** A source with an invoker that fails the first try of any event holding `failOnce`. */
function newSource(delivered: Delivery[], failOnce?: string): { source: S3EventSource; attempts: DeliveryInfo[] } {
  const attempts: DeliveryInfo[] = [];
  let failed = false;
  const source = new S3EventSource({
    bucket,
    list: createS3Lister(scratch.s3()),
    filters: { prefix: 'lake/', suffix: '.parquet' },
    pollIntervalMs: 200,
    batchSize: 3,
    sweepBatchSize: 100,
    retry: { initialDelayMs: 100, maxDelayMs: 1000 },
    region: cfg.AWS_REGION,
    logger,
    label: 'test',
    invoke: async (event: S3Event, info) => {
      attempts.push(info);
      if (failOnce && !failed && info.keys.includes(failOnce)) {
        failed = true;
        throw new Error('forced first failure');
      }
      for (const r of event.Records)
        delivered.push({
          key: decodeFormEncodedKey(r.s3.object.key),
          eTag: r.s3.object.eTag,
          size: r.s3.object.size,
          kind: info.kind,
        });
    },
  });
  return { source, attempts };
}

const count = (ds: Delivery[], key: string) => ds.filter((d) => d.key === key).length;

it('sweeps existing objects, delivers each new one exactly once (retrying a failure), and re-sweeps after a restart', async () => {
  // Before the source starts: matching keys with '+', a space and non-ASCII, and two that do not match.
  const existing = ['lake/t/date=2026-01-01/t+0+1-5.parquet', 'lake/with space.parquet', 'lake/données/é.parquet'];
  for (const k of existing) await put(k);
  await put('lake/notes.csv');
  await put('elsewhere/x.parquet');

  const first: Delivery[] = [];
  const fresh = Array.from({ length: 20 }, (_, i) => `lake/t/date=2026-01-02/t+${i % 3}+${i * 10}-${i * 10 + 9}.parquet`);
  const { source, attempts } = newSource(first, fresh[4]);
  source.start();
  await waitFor(() => first.length === existing.length, 'the sweep');
  expect(first.map((d) => d.kind)).toEqual(['sweep', 'sweep', 'sweep']);
  expect(new Set(first.map((d) => d.key))).toEqual(new Set(existing));

  // New objects, written while the source polls; one of their invocations fails once.
  await Promise.all(fresh.map((k) => put(k)));
  await waitFor(() => first.length === existing.length + fresh.length, 'the new objects');
  // A few more polls: nothing is delivered twice, nothing outside the filters at all.
  const polls = source.stats().polls;
  await waitFor(() => source.stats().polls >= polls + 3, 'more polls');
  await source.stop();

  expect(first).toHaveLength(existing.length + fresh.length);
  for (const k of [...existing, ...fresh]) expect(count(first, k)).toBe(1);
  for (const d of first) {
    expect(d.eTag).toBe(etags.get(d.key));
    expect(d.size).toBe(Buffer.byteLength(`body of ${d.key}`));
  }
  expect(first.slice(existing.length).every((d) => d.kind === 'new')).toBe(true);
  // The forced failure was retried: the same keys came again as attempt 2, and it was logged.
  const failedBatch = attempts.find((a) => a.keys.includes(fresh[4]!) && a.attempt === 1);
  const retried = attempts.find((a) => a.keys.includes(fresh[4]!) && a.attempt === 2);
  expect(failedBatch).toBeDefined();
  expect(retried?.keys).toEqual(failedBatch?.keys);
  expect(logs.some((l) => l.startsWith('ERROR') && l.includes(fresh[4]!) && l.includes('forced first failure'))).toBe(true);
  expect(source.stats()).toMatchObject({ failures: 1, queuedObjects: 0, inFlight: 0 });

  // A restart has no memory: its sweep delivers every existing object again, once, in one batch.
  const second: Delivery[] = [];
  const restarted = newSource(second);
  restarted.source.start();
  await waitFor(() => second.length === existing.length + fresh.length, 'the sweep after the restart');
  await new Promise((r) => setTimeout(r, 600));
  await restarted.source.stop();
  expect(second).toHaveLength(existing.length + fresh.length);
  for (const k of [...existing, ...fresh]) expect(count(second, k)).toBe(1);
  expect(restarted.attempts).toHaveLength(1);
  expect(restarted.attempts[0]).toMatchObject({ kind: 'sweep', attempt: 1 });
});
