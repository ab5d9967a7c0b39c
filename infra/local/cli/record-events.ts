/**
 * Re-records the sample events in events/ from the real local stack, so `sls invoke local -f <fn>
 * --path events/<fn>.json` runs each function on exactly what its event source delivers:
 *
 *   events/writeBatch.json      self-managed Kafka event (SelfManagedKafka), built by the offline
 *                               Kafka plugin's own event builder from real Debezium records
 *   events/writeBatch-msk.json  the same records in the MSK shape (aws:kafka + eventSourceArn)
 *   events/loadObject.json      the S3 event the offline S3 plugin's event source (infra/local/offline-s3)
 *                               delivers for the transactions Parquet object that writeBatch,
 *                               invoked locally on events/writeBatch.json, stored
 *   events/generate.json        the EventBridge "Scheduled Event" from AWS's documentation, plus
 *                               `iterations: 1` so an invocation runs one generator iteration
 *
 *   npm run record-events      (needs `npm run stack -- status` healthy)
 *
 * It makes its own changes in Postgres (a customer with an `@example.test` email, which the
 * generator never touches): inserts, updates and explicit deletes in each table, so the Kafka
 * event holds c/u/d records and the tombstone Debezium emits after each delete. The rows are
 * deleted again, so the source ends as it began.
 *
 * Side effect: writeBatch stores the sample's Parquet objects in the stack's bucket under keys
 * derived from the records' Kafka coordinates, the same keys the pipeline itself would use for a
 * batch of exactly these records; other sessions' loaders may see them, as they see any object.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { Client } from 'pg';
import * as prettier from 'prettier';
import { kafkaBrokers, loadSettings } from '../stack/settings';
import { TABLE_NAMES, topicFor, type DeclaredTable } from '../../../functions/shared/tables';
import { createS3Client } from '../../../functions/shared/s3';
import { buildKafkaEvent, type PartitionBatch, type SourceMessage } from '../offline-kafka/event';
import type { S3Event } from '../offline-s3/event';
import { createS3Lister } from '../lib/s3List';
import { S3EventSource } from '../offline-s3/source';
import { postgresClient } from '../../../functions/shared/postgres';
import { keyId } from './util/kafkaKeys';

const ROOT = resolve(__dirname, '..', '..', '..');
const EVENTS = join(ROOT, 'events');
const cfg = loadSettings();
const topicOf = (t: DeclaredTable) => topicFor(t, cfg.KAFKA_TOPIC_PREFIX);

/**
 * AWS's example of the event an EventBridge schedule rule delivers to Lambda
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-scheduled-events.html; the same payload is
 * the aws-lambda-events fixture example-eventbridge-schedule.json,
 * https://docs.rs/crate/aws_lambda_events/1.1.3/source/src/fixtures/example-eventbridge-schedule.json).
 * `iterations` is ours: without it a "Scheduled Event" runs iterations until the function's
 * deadline (handlers/generate.ts), which is right for the schedule, not for a sample invocation.
 */
const SCHEDULED_EVENT = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2015-10-08T16:53:06Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule'],
  detail: {},
  iterations: 1,
};

interface Change {
  table: DeclaredTable;
  id: string;
}

/** Our own rows: c, u and d in each table (children deleted first, so no delete is a cascade). */
async function makeChanges(pg: Client, suffix: string): Promise<Change[]> {
  const changes: Change[] = [];
  const one = async (table: DeclaredTable, sql: string, params: unknown[]): Promise<string> => {
    const id = String((await pg.query<{ id: number | string }>(`${sql} RETURNING id`, params)).rows[0]!.id);
    changes.push({ table, id });
    return id;
  };
  await pg.query('BEGIN');
  const cust = await one('customers', `INSERT INTO customers (first_name, last_name, email) VALUES ('Sample', 'Event', $1)`, [
    `record-events+${suffix}@example.test`,
  ]);
  const acct = await one(
    'accounts',
    `INSERT INTO accounts (customer_id, account_type, balance) VALUES ($1, 'CHECKING', '100.00')`,
    [cust],
  );
  const deposit = await one(
    'transactions',
    `INSERT INTO transactions (account_id, txn_type, amount) VALUES ($1, 'DEPOSIT', '100.00')`,
    [acct],
  );
  await pg.query('COMMIT');
  await pg.query('BEGIN');
  const withdrawal = await one(
    'transactions',
    `INSERT INTO transactions (account_id, txn_type, amount) VALUES ($1, 'WITHDRAWAL', '24.75')`,
    [acct],
  );
  await one('accounts', `UPDATE accounts SET balance = '75.25' WHERE id = $1`, [acct]);
  await pg.query('COMMIT');
  await one('customers', `UPDATE customers SET last_name = 'Event-Updated' WHERE id = $1`, [cust]);
  await one('transactions', `DELETE FROM transactions WHERE id = $1`, [withdrawal]);
  await one('transactions', `DELETE FROM transactions WHERE id = $1`, [deposit]);
  await one('accounts', `DELETE FROM accounts WHERE id = $1`, [acct]);
  await one('customers', `DELETE FROM customers WHERE id = $1`, [cust]);
  return changes;
}

/** Consume from the topics' ends as they were before our changes, keeping only our rows' records. */
async function recordKafka(
  ends: Map<string, Map<number, string>>,
  changes: Change[],
  groupId: string,
): Promise<PartitionBatch[]> {
  const kafka = new Kafka({ clientId: 'record-events', brokers: kafkaBrokers(cfg), logLevel: logLevel.WARN });
  const admin = kafka.admin();
  await admin.connect();
  // A fresh group with offsets set to the pre-change ends: only what came after is read.
  for (const [topic, parts] of ends) {
    await admin.setOffsets({ groupId, topic, partitions: [...parts].map(([partition, offset]) => ({ partition, offset })) });
  }
  await admin.disconnect();

  const ours = new Map<string, Set<string>>(TABLE_NAMES.map((t) => [topicOf(t), new Set<string>()]));
  for (const c of changes) ours.get(topicOf(c.table))!.add(c.id);
  // One event per change, plus the tombstone Debezium writes after each delete (one per row deleted).
  const deletes = new Set(changes.map((c) => `${c.table}:${c.id}`)).size; // every row we made is deleted once
  const expected = changes.length + deletes;

  const got = new Map<string, { topic: string; partition: number; messages: SourceMessage[] }>();
  let count = 0;
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topics: [...ends.keys()] });
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const id = keyId(message);
      if (id === undefined || !ours.get(topic)?.has(id)) return;
      const k = `${topic}-${partition}`;
      const slot = got.get(k) ?? got.set(k, { topic, partition, messages: [] }).get(k)!;
      slot.messages.push(message);
      if (++count >= expected) finish();
    },
  });
  const timer = setTimeout(finish, 120_000);
  await done;
  clearTimeout(timer);
  await consumer.disconnect();
  const admin2 = kafka.admin();
  await admin2.connect();
  await admin2.deleteGroups([groupId]).catch(() => undefined); // a recorder's group is of no use afterwards
  await admin2.disconnect();
  if (count < expected)
    throw new Error(`only ${count} of ${expected} change records arrived within 120 s (is the connector running?)`);
  return [...got.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/** The object keys writeBatch reports (its result is the last JSON value `sls invoke local` prints). */
function invokeWriteBatch(path: string, warehouseDir: string): string[] {
  const res = spawnSync(join(ROOT, 'node_modules', '.bin', 'sls'), ['invoke', 'local', '-f', 'writeBatch', '--path', path], {
    cwd: ROOT,
    env: {
      ...process.env,
      WAREHOUSE_PATH: join(warehouseDir, 'unused.duckdb'),
      SLS_TELEMETRY_DISABLED: '1',
      NODE_NO_WARNINGS: '1',
    },
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (res.status !== 0) throw new Error(`sls invoke local -f writeBatch failed (${res.status}):\n${res.stdout}\n${res.stderr}`);
  const start = res.stdout.lastIndexOf('\n{');
  const result = JSON.parse(res.stdout.slice(start + 1)) as { objects: string[] };
  return result.objects;
}

const USAGE = `usage: npm run record-events
  Re-records the sample events in events/ from the running local stack (npm run stack -- status
  must be healthy). No options.`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return;
  }
  if (args.length) {
    console.error(`record-events takes no arguments (got ${args.join(' ')})\n${USAGE}`);
    process.exit(2);
  }
  mkdirSync(EVENTS, { recursive: true });
  const suffix = randomBytes(4).toString('hex');

  const kafka = new Kafka({ clientId: 'record-events', brokers: kafkaBrokers(cfg), logLevel: logLevel.WARN });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, Map<number, string>>();
  for (const t of TABLE_NAMES) {
    const offsets = await admin.fetchTopicOffsets(topicOf(t));
    ends.set(topicOf(t), new Map(offsets.map((o) => [o.partition, o.high])));
  }
  await admin.disconnect();

  const pg = postgresClient(cfg);
  await pg.connect();
  let changes: Change[];
  try {
    changes = await makeChanges(pg, suffix);
  } finally {
    await pg.end();
  }
  const batches = await recordKafka(ends, changes, `record-events-${suffix}`);

  const bootstrapServers = kafkaBrokers(cfg).join(',');
  const selfManaged = buildKafkaEvent({ kind: 'SelfManagedKafka', bootstrapServers }, batches);
  // The ARN has the shape of serverless.yml's mskClusterArn default; the records are the same.
  const mskArn = `arn:aws:kafka:${cfg.AWS_REGION}:000000000000:cluster/banking/00000000-0000-0000-0000-000000000000-1`;
  const msk = buildKafkaEvent({ kind: 'aws:kafka', bootstrapServers, eventSourceArn: mskArn }, batches);
  // Formatted as the repository's prettier config would, so `npm run lint` passes on fresh recordings.
  const prettierOptions = (await prettier.resolveConfig(join(EVENTS, 'x.json'))) ?? {};
  const write = async (name: string, body: unknown) =>
    writeFileSync(join(EVENTS, name), await prettier.format(JSON.stringify(body), { ...prettierOptions, parser: 'json' }));
  await write('writeBatch.json', selfManaged);
  await write('writeBatch-msk.json', msk);
  await write('generate.json', SCHEDULED_EVENT);
  const n = Object.values(selfManaged.records).reduce((a, r) => a + r.length, 0);
  console.log(
    `events/writeBatch.json, events/writeBatch-msk.json: ${n} records (${Object.keys(selfManaged.records).join(', ')})`,
  );

  const tmp = mkdtempSync(join(tmpdir(), 'record-events-'));
  let keys: string[];
  try {
    keys = invokeWriteBatch(join(EVENTS, 'writeBatch.json'), tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`writeBatch stored ${keys.join(', ')}`);
  const wanted = keys.find((k) => k.startsWith('transactions/'));
  if (!wanted) throw new Error(`writeBatch stored no transactions object: ${keys.join(', ')}`);
  const event = await recordS3Event(wanted);
  await write('loadObject.json', event);
  console.log(`events/loadObject.json: ObjectCreated for ${wanted}`);
  console.log('events/generate.json: EventBridge Scheduled Event (AWS documentation example) with iterations: 1');
}

/**
 * The event `sls offline` delivers for one object: the offline S3 event source, filtered down to
 * exactly that key, sweeps it at start; its invoker captures the event instead of calling Lambda.
 */
async function recordS3Event(key: string): Promise<S3Event> {
  let captured: S3Event | undefined;
  const source = new S3EventSource({
    bucket: cfg.MINIO_BUCKET,
    list: createS3Lister(createS3Client(cfg)),
    filters: { prefix: key, suffix: '.parquet' },
    region: cfg.AWS_REGION,
    // What serverless.yml's loadObject is deployed as; on AWS the notification is named after it.
    configurationId: 'banking-cdc-dev-loadObject',
    invoke: async (event) => {
      captured ??= event;
    },
    logger: { info() {}, warn: (m) => console.warn(m), error: (m) => console.error(m), debug() {} },
  });
  source.start();
  const deadline = Date.now() + 30_000;
  while (!captured && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await source.stop();
  if (!captured) throw new Error(`the S3 event source delivered nothing for ${key} within 30 s`);
  return captured;
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
