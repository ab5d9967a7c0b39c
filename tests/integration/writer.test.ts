/**
 * The batch writer on the real stack: changes made in Postgres travel through Debezium and Kafka,
 * are read with kafkajs (fresh consumer group) into the Lambda event shape, handed to the real
 * handler, and the Parquet objects it stores in MinIO must hold exactly the source rows. The same
 * batch stored twice leaves the same keys and identical bytes.
 *
 * It writes to its own bucket (WRITER_TEST_BUCKET), so the loader's notifications on banking-data
 * never see objects whose offset ranges overlap those of the pipeline's own writer.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { createS3Client } from '../../functions/writer';
import { parseObjectKey } from '../../functions/shared/objectKeys';
import { loadSettings } from '../../infra/local/stack/settings';
import { TABLES, TABLE_NAMES, tableForTopic } from '../../functions/shared/tables';
import { sourceToRow, withEnvelope, envelopeOf, type LambdaKafkaRecord } from '../fixtures/debezium';
import { captureRecords, endOffsets } from '../fixtures/kafkaCapture';
import { ADDED, evolveAndChange } from '../fixtures/schemaEvolution';
import { makeChanges, type SourceChange } from '../fixtures/sourceChanges';
import { readParquetRows } from '../unit/writer/readParquetWithDuckdb';
import { postgresClient } from '../../functions/shared/postgres';

jest.setTimeout(180_000);

const BUCKET = process.env.WRITER_TEST_BUCKET ?? 'banking-data-writer-test';
process.env.MINIO_BUCKET = BUCKET;
const cfg = loadSettings();

const context = {
  functionName: 'writeBatch',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:writeBatch',
  memoryLimitInMB: '1024',
  awsRequestId: 'writer-integration-test',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

type Handler = (event: unknown, context: Context) => Promise<{ objects: string[]; deadLetters: string[]; tombstones: number }>;

async function getBytes(s3: S3Client, key: string): Promise<Buffer> {
  const res = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

async function listKeys(s3: S3Client, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

describe('writeBatch on the real stack', () => {
  let s3: S3Client;
  let handler: Handler;
  let changes: SourceChange[];
  let batch: LambdaKafkaRecord[];

  beforeAll(async () => {
    s3 = createS3Client(cfg);
    try {
      await s3.send(new HeadBucketCommand({ Bucket: BUCKET }));
    } catch {
      await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    }
    // Imported after MINIO_BUCKET is set: the handler reads config once per container.
    handler = (require('../../handlers/writeBatch') as typeof import('../../handlers/writeBatch')).handler as unknown as Handler;

    const start = await endOffsets(cfg);

    const pg = postgresClient(cfg);
    await pg.connect();
    try {
      changes = (await makeChanges(pg, `it-${randomBytes(4).toString('hex')}`)).changes;
    } finally {
      await pg.end();
    }
    const ours = { customers: new Set<string>(), accounts: new Set<string>(), transactions: new Set<string>() };
    for (const c of changes) ours[c.table].add(c.id);
    batch = await captureRecords(cfg, start, ours, changes.length + changes.filter((c) => c.op === 'd').length);
  });

  function event(records: LambdaKafkaRecord[]) {
    const grouped: Record<string, LambdaKafkaRecord[]> = {};
    for (const r of records) (grouped[`${r.topic}-${r.partition}`] ??= []).push(r);
    return { eventSource: 'SelfManagedKafka', bootstrapServers: cfg.KAFKA_BOOTSTRAP, records: grouped };
  }

  it('stores Parquet objects in MinIO whose rows are exactly the source rows', async () => {
    const result = await handler(event(batch), context);
    expect(result.deadLetters).toEqual([]);
    expect(result.tombstones).toBeGreaterThanOrEqual(changes.filter((c) => c.op === 'd').length);

    const stored = new Map<string, Record<string, unknown>[]>();
    for (const key of result.objects) {
      const coords = parseObjectKey(key)!;
      expect(coords).toBeDefined();
      const { rows } = await readParquetRows(coords.table, await getBytes(s3, key));
      expect(rows[0]!._kafka_offset).toBe(BigInt(coords.firstOffset));
      expect(rows[rows.length - 1]!._kafka_offset).toBe(BigInt(coords.lastOffset));
      for (const row of rows) {
        expect(new Date(Number(row._source_ts_ms)).toISOString().slice(0, 10)).toBe(coords.date);
        const k = `${coords.table}:${String(row.id)}`;
        stored.set(k, [...(stored.get(k) ?? []), row]);
      }
    }
    // Every change of ours, in order, with every column exactly as Postgres returned it.
    for (const table of TABLE_NAMES) {
      for (const id of new Set(changes.filter((c) => c.table === table).map((c) => c.id))) {
        const source = changes.filter((c) => c.table === table && c.id === id);
        const rows = (stored.get(`${table}:${id}`) ?? []).sort((a, b) =>
          Number((a._kafka_offset as bigint) - (b._kafka_offset as bigint)),
        );
        expect(rows.map((r) => r._op)).toEqual(source.map((c) => c.op));
        rows.forEach((row, i) => {
          const own = Object.fromEntries(TABLES[table].columns.map((c) => [c.name, row[c.name]]));
          expect(own).toEqual(sourceToRow(table, source[i]!.row));
          expect(row._tx_id).toBe(BigInt(source[i]!.txid) % 2n ** 32n);
        });
      }
    }
  });

  it('leaves the same keys and identical contents when the same batch is invoked again', async () => {
    const first = await handler(event(batch), context);
    const before = new Map<string, Buffer>();
    for (const key of first.objects) before.set(key, await getBytes(s3, key));
    const prefixes = [...new Set(first.objects.map((k) => k.slice(0, k.lastIndexOf('/') + 1)))];
    const listed = (await Promise.all(prefixes.map((p) => listKeys(s3, p)))).flat().sort();

    const second = await handler(event(batch), context);
    expect(second.objects).toEqual(first.objects);
    expect((await Promise.all(prefixes.map((p) => listKeys(s3, p)))).flat().sort()).toEqual(listed);
    for (const key of second.objects) expect((await getBytes(s3, key)).equals(before.get(key)!)).toBe(true);
  });

  it('dead-letters an undecodable record with its raw value and still stores the rest', async () => {
    const victim = batch.find((r) => r.value !== null && tableForTopic(r.topic) === 'transactions' && envelopeOf(r).op === 'c')!;
    const env = envelopeOf(victim);
    const bad = withEnvelope(victim, { ...env, after: { ...(env.after as object), amount: '1.005' } });
    const result = await handler(event(batch.map((r) => (r === victim ? bad : r))), context);
    const dlqKey = `${cfg.DLQ_PREFIX}/${bad.topic}/${bad.partition}-${bad.offset}.json`;
    expect(result.deadLetters).toEqual([dlqKey]);
    const letter = JSON.parse((await getBytes(s3, dlqKey)).toString('utf8')) as Record<string, unknown>;
    expect(letter).toMatchObject({
      topic: bad.topic,
      partition: bad.partition,
      offset: bad.offset,
      key: bad.key,
      value: bad.value,
    });
    expect(letter.error).toMatch(/amount.*more than 2 fraction digits/);
    expect(result.objects.some((k) => k.startsWith('customers/'))).toBe(true);
  });
  it('writes columns added in Postgres while it runs (ALTER TABLE ADD COLUMN) with their exact types, no dead letter', async () => {
    const pg = postgresClient(cfg);
    await pg.connect();
    const start = await endOffsets(cfg);
    const { changes: evolved, undo } = await evolveAndChange(pg, `it-${randomBytes(4).toString('hex')}`);
    try {
      const ours = { customers: new Set<string>(), accounts: new Set<string>(), transactions: new Set<string>() };
      for (const c of evolved) ours[c.table].add(c.id);
      const records = await captureRecords(cfg, start, ours, evolved.length);
      const result = await handler(event(records), context);
      expect(result.deadLetters).toEqual([]);
      for (const table of TABLE_NAMES) {
        const source = evolved.filter((c) => c.table === table);
        const rows: Record<string, unknown>[] = [];
        for (const key of result.objects.filter((k) => parseObjectKey(k)!.table === table)) {
          const read = await readParquetRows(table, await getBytes(s3, key), ADDED[table]);
          expect(read.schema.slice(-ADDED[table].length).map((c) => c.name)).toEqual(ADDED[table].map((c) => c.name));
          if (table === 'accounts') expect(read.duckTypes.credit_limit).toBe('DECIMAL(18,2)');
          rows.push(...read.rows.filter((r) => ours[table].has(String(r.id))));
        }
        expect(rows).toHaveLength(source.length);
        // Partitioned by key: each row's changes are in order, rows of different keys need not be.
        for (const id of new Set(source.map((c) => c.id))) {
          const want = source.filter((c) => c.id === id);
          const got = rows
            .filter((r) => String(r.id) === id)
            .sort((a, b) => Number((a._kafka_offset as bigint) - (b._kafka_offset as bigint)));
          got.forEach((row, i) => {
            for (const c of ADDED[table]) {
              const v = want[i]!.row[c.name] ?? null;
              const exact =
                v === null
                  ? null
                  : c.type === 'int32'
                    ? Number(v)
                    : c.type === 'int64' || c.type === 'timestamptz'
                      ? BigInt(v)
                      : v;
              expect([c.name, row[c.name]]).toEqual([c.name, exact]);
            }
          });
        }
      }
    } finally {
      await undo();
      await pg.end();
    }
  });
});
