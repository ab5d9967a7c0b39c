/**
 * NotificationStream against the real local MinIO, on a bucket of its own: each PUT's
 * ObjectCreated event arrives with the key, size and ETag MinIO stored. MinIO writes the stream in
 * ~4 KB blocks, so up to 3 of the newest events (1.3 KB each) may still be held back at the end.
 */
import { loadSettings } from '../../infra/local/stack/settings';
import { scratchBucket } from '../fixtures/scratchBucket';
import { recordingLogger } from '../fixtures/logs';
import type { S3ObjectInfo } from '../../infra/local/offline-s3/event';
import { NotificationStream } from '../../infra/local/offline-s3/notifications';

jest.setTimeout(60_000);

const cfg = loadSettings();
const scratch = scratchBucket('offline-s3-notify');
const bucket = scratch.name;
const logs: string[] = [];
const logger = recordingLogger(logs);
async function waitFor(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; log:\n${logs.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('delivers the ObjectCreated events of PUTs (key as stored, size, ETag), filtered, and stops cleanly', async () => {
  const notified: S3ObjectInfo[] = [];
  let connected = 0;
  let disconnected = 0;
  const stream = new NotificationStream({
    endpoint: cfg.MINIO_ENDPOINT,
    region: cfg.AWS_REGION,
    accessKeyId: cfg.MINIO_ACCESS_KEY,
    secretAccessKey: cfg.MINIO_SECRET_KEY,
    bucket,
    filters: { prefix: 'in/', suffix: '.parquet' },
    onObjects: (objects) => notified.push(...objects),
    onConnected: () => connected++,
    onDisconnected: () => disconnected++,
    log: logger,
  });
  stream.start();
  const etags = new Map<string, string>();
  const put = async (key: string) => {
    etags.set(key, await scratch.put(key));
  };
  // MinIO answers the listen request's headers with its first event: PUT until the stream opens.
  for (let i = 0; connected === 0; i++) {
    await put(`in/warm-${i}.parquet`);
    await new Promise((r) => setTimeout(r, 200));
    if (i > 50) throw new Error(`the notification stream never opened; log:\n${logs.join('\n')}`);
  }
  const wanted: string[] = [];
  for (let i = 0; i < 12; i++) {
    const key = `in/date=2026-12-03/customers+0+${i * 100}-${i * 100 + 99} é.parquet`;
    wanted.push(key);
    await put(key);
    await put(`in/skipped-${i}.txt`); // suffix filter: MinIO must not send these
    await put(`out/skipped-${i}.parquet`); // prefix filter
  }
  const got = () => notified.filter((o) => wanted.includes(o.key));
  await waitFor(() => got().length >= wanted.length - 3, 'the events of the PUTs');
  expect(got().map((o) => o.key)).toEqual(wanted.slice(0, got().length));
  for (const o of got()) {
    expect(o.eTag).toBe(etags.get(o.key));
    expect(o.size).toBe(Buffer.byteLength(`body of ${o.key}`));
  }
  expect(notified.every((o) => o.key.startsWith('in/') && o.key.endsWith('.parquet'))).toBe(true);
  await stream.stop();
  expect(connected).toBe(1);
  expect(disconnected).toBe(1);
});
