/**
 * Each function run the second of its three ways: `sls invoke local -f <fn> --path events/<fn>.json`,
 * as a child process exactly as docs/three-ways.md gives it, against the local stack, with a temp
 * WAREHOUSE_PATH (the pipeline's warehouse is never touched) and a serverless-esbuild work
 * folder of its own (a concurrent `sls package` or invoke in this checkout would otherwise delete
 * it mid-run). The sample events are recorded from the real services by `npm run record-events`.
 *
 * writeBatch then loadObject is a chain: the sample S3 notification names an object writeBatch's
 * sample stores, so the loader reads what the writer just wrote.
 *
 * The objects go to a bucket of their own: the samples' rows were recorded on another database,
 * and in the pipeline's bucket they would be loaded into every warehouse as if they were ours.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadSettings } from '../../infra/local/stack/settings';
import { createS3Client } from '../../functions/shared/s3';

const run = promisify(execFile);
const root = join(__dirname, '../..');
const cfg = loadSettings();
const s3 = createS3Client(cfg);
const workFolder = `.esbuild-test-${randomBytes(4).toString('hex')}`;
const BUCKET = 'banking-data-invoke-test';
let dir: string;

interface KafkaSample {
  eventSource: string;
  records: Record<string, Array<{ topic: string; partition: number; offset: number; key?: string; value: string | null }>>;
}
const kafkaSample = JSON.parse(readFileSync(join(root, 'events/writeBatch.json'), 'utf8')) as KafkaSample;
const s3Sample = JSON.parse(readFileSync(join(root, 'events/loadObject.json'), 'utf8')) as {
  Records: Array<{ s3: { bucket: { name: string }; object: { key: string } } }>;
};
const sampleKey = decodeURIComponent(s3Sample.Records[0]!.s3.object.key);

/** `sls invoke local` prints the handler's result last, as indented JSON starting at column 0. */
async function invokeLocal(fn: string, eventFile: string): Promise<{ result: Record<string, unknown>; stdout: string }> {
  const { stdout } = await run(join(root, 'node_modules/.bin/sls'), ['invoke', 'local', '-f', fn, '--path', eventFile], {
    cwd: root,
    env: {
      ...process.env,
      WAREHOUSE_PATH: join(dir, 'warehouse.duckdb'),
      MINIO_BUCKET: BUCKET,
      SLS_ESBUILD_WORK_FOLDER: workFolder,
      SLS_TELEMETRY_DISABLED: '1',
      NODE_NO_WARNINGS: '1',
    },
    timeout: 240_000,
    maxBuffer: 32 * 1024 * 1024,
  });
  const start = stdout.lastIndexOf('\n{');
  if (start < 0) throw new Error(`no JSON result in the output of sls invoke local -f ${fn}:\n${stdout}`);
  return { result: JSON.parse(stdout.slice(start + 1)) as Record<string, unknown>, stdout };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'invoke-local-'));
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET })).catch((err: Error) => {
    if (!/BucketAlreadyOwnedByYou|BucketAlreadyExists/.test(err.name)) throw err;
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(join(root, workFolder), { recursive: true, force: true });
});

jest.setTimeout(300_000);

test('generate: the scheduled-event sample runs exactly one iteration on the real Postgres', async () => {
  const sample = JSON.parse(readFileSync(join(root, 'events/generate.json'), 'utf8')) as Record<string, unknown>;
  expect(sample['detail-type']).toBe('Scheduled Event');
  const { result } = await invokeLocal('generate', 'events/generate.json');
  expect(result).toMatchObject({ succeeded: 1, failed: 0, stoppedBy: 'iterations' });
  const inserted = (result.totals as { inserted: Record<string, number> }).inserted;
  // One iteration of the default scale always opens customers and accounts and moves money.
  expect(inserted.customers).toBeGreaterThan(0);
  expect(inserted.accounts).toBeGreaterThan(0);
  expect(inserted.transactions).toBeGreaterThan(0);
});

test('writeBatch: the recorded Kafka sample becomes Parquet objects in MinIO, keyed by its Kafka coordinates', async () => {
  const all = Object.values(kafkaSample.records).flat();
  expect(kafkaSample.eventSource).toBe('SelfManagedKafka');
  expect(all.filter((r) => r.value === null).length).toBeGreaterThan(0); // tombstones are part of the sample

  const { result } = await invokeLocal('writeBatch', 'events/writeBatch.json');
  const objects = result.objects as string[];
  expect(result.deadLetters).toEqual([]);
  expect(result.tombstones).toBe(all.filter((r) => r.value === null).length);
  // One object per table and partition, named by the first and last offset of its data records.
  const groups = Object.values(kafkaSample.records)
    .map((recs) => recs.filter((r) => r.value !== null))
    .filter((data) => data.length > 0);
  expect(objects).toHaveLength(groups.length);
  for (const data of groups) {
    const table = data[0]!.topic.split('.').pop()!;
    const partition = data[0]!.partition;
    const first = Math.min(...data.map((r) => r.offset));
    const last = Math.max(...data.map((r) => r.offset));
    expect(objects).toContainEqual(
      expect.stringMatching(
        new RegExp(`^${table}/date=\\d{4}-\\d{2}-\\d{2}/${table}\\+${partition}\\+${first}-${last}\\.parquet$`),
      ),
    );
  }
  for (const key of objects) {
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(head.ContentLength).toBeGreaterThan(0);
  }
  // The chain: the sample S3 notification refers to one of these objects.
  expect(objects).toContain(sampleKey);
});

test('writeBatch: the MSK-shaped sample (same records) stores the very same keys', async () => {
  const msk = JSON.parse(readFileSync(join(root, 'events/writeBatch-msk.json'), 'utf8')) as KafkaSample & {
    eventSourceArn: string;
  };
  expect(msk.eventSource).toBe('aws:kafka');
  expect(msk.eventSourceArn).toMatch(/^arn:aws:kafka:/);
  expect(msk.records).toEqual(kafkaSample.records);
  const { result } = await invokeLocal('writeBatch', 'events/writeBatch-msk.json');
  expect(result.objects).toContain(sampleKey);
});

test('loadObject: the recorded MinIO notification loads its rows into the temp DuckDB once', async () => {
  // The recorded notification names the pipeline's bucket: point it at this test's.
  const event = JSON.parse(readFileSync(join(root, 'events/loadObject.json'), 'utf8')) as typeof s3Sample;
  for (const r of event.Records) r.s3.bucket.name = BUCKET;
  const eventFile = join(dir, 'loadObject.json');
  writeFileSync(eventFile, JSON.stringify(event));
  const { result } = await invokeLocal('loadObject', eventFile);
  const table = sampleKey.split('/')[0]!;
  const partition = Number(sampleKey.split('+')[1]);
  const topic = `${cfg.KAFKA_TOPIC_PREFIX}.public.${table}`;
  const changes = Object.values(kafkaSample.records)
    .flat()
    .filter((r) => r.topic === topic && r.partition === partition && r.value !== null);
  expect(result).toMatchObject({ loaded: 1, rows: changes.length, alreadyLoaded: 0, failed: [] });

  const instance = await DuckDBInstance.create(join(dir, 'warehouse.duckdb'), { access_mode: 'READ_ONLY' });
  const conn = await instance.connect();
  try {
    const rows = (
      await conn.runAndReadAll(
        `SELECT _op, _kafka_offset::VARCHAR AS off FROM raw.${table} WHERE _file = '${sampleKey}' ORDER BY _kafka_offset`,
      )
    ).getRowObjectsJson();
    const expected = changes
      .sort((a, b) => a.offset - b.offset)
      .map((r) => {
        const env = JSON.parse(Buffer.from(r.value!, 'base64').toString('utf8')) as { op?: string; payload?: { op?: string } };
        return { _op: env.op ?? env.payload?.op, off: String(r.offset) };
      });
    expect(rows).toEqual(expected);
    const ledger = (await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM raw._loads`)).getRowObjectsJson();
    expect(ledger).toEqual([{ n: 1 }]);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }

  // S3 may deliver an event twice: the ledger makes the second delivery load nothing.
  const again = await invokeLocal('loadObject', 'events/loadObject.json');
  expect(again.result).toMatchObject({ loaded: 0, rows: 0, alreadyLoaded: 1 });
});
