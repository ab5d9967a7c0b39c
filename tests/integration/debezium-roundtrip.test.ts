/**
 * The foundation works end to end at the CDC boundary: an insert, an update and a delete in
 * each table arrive on the three Debezium topics with the right op, before/after images,
 * exact decimals, and the source LSN and commit time.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { loadSettings, kafkaBrokers } from '../../infra/local/stack/settings';
import { topicFor, TABLES, postgresType, TABLE_NAMES } from '../../functions/shared/tables';
import { postgresClient } from '../../functions/shared/postgres';

const cfg = loadSettings();
jest.setTimeout(120_000);

interface Envelope {
  op: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  source: { lsn: number; ts_ms: number; txId: number; table: string };
}

let pg: Client;
let consumer: Consumer;
/** With DEBEZIUM_INLINE_SCHEMAS (the default) a value is {schema, payload}: the envelope is its payload. */
function unwrap(v: { schema?: unknown; payload?: unknown }): Envelope {
  return ('schema' in v && 'payload' in v ? v.payload : v) as Envelope;
}

const seen: { topic: string; key: unknown; value: Envelope | null }[] = [];

beforeAll(async () => {
  pg = postgresClient(cfg);
  await pg.connect();
  const kafka = new Kafka({ clientId: 'roundtrip-test', brokers: kafkaBrokers(cfg), logLevel: logLevel.NOTHING });
  // Topics appear with the first change; make sure they exist so the consumer can subscribe.
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: TABLE_NAMES.map((t) => ({ topic: topicFor(t), numPartitions: 1 })) }).catch(() => {});
  await admin.disconnect();
  consumer = kafka.consumer({ groupId: `roundtrip-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: TABLE_NAMES.map((t) => topicFor(t)), fromBeginning: false });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      seen.push({
        topic,
        key: message.key ? JSON.parse(message.key.toString()) : null,
        value: message.value ? unwrap(JSON.parse(message.value.toString())) : null,
      });
    },
  });
  while (!joined) await new Promise((r) => setTimeout(r, 100));
  // "latest" is resolved when the group first fetches: give it a moment before writing.
  await new Promise((r) => setTimeout(r, 2000));
});

afterAll(async () => {
  await consumer?.disconnect();
  await pg?.end();
});

async function waitForEvents(topic: string, id: number, count: number): Promise<typeof seen> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const mine = seen.filter((m) => m.topic === topic && (m.key as { id?: number } | null)?.id === id);
    if (mine.length >= count || Date.now() > deadline) return mine;
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('the source schema matches the table definitions', async () => {
  for (const t of TABLE_NAMES) {
    const r = await pg.query(
      `SELECT column_name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null
         FROM information_schema.columns c
         JOIN pg_attribute a ON a.attrelid = $1::text::regclass AND a.attname = c.column_name
        WHERE c.table_schema = 'public' AND c.table_name = $1::text
        ORDER BY c.ordinal_position`,
      [t],
    );
    const actual = r.rows.map((x) => `${x.column_name} ${x.type}${x.not_null ? ' not null' : ''}`);
    const expected = TABLES[t].columns.map((c) => `${c.name} ${postgresType(c)}${c.nullable ? '' : ' not null'}`);
    expect(actual).toEqual(expected);
  }
});

test('insert, update and delete in each table arrive as c/u/d Debezium events', async () => {
  const email = `roundtrip-${randomUUID()}@example.test`;
  const txnStart = Date.now();

  const cust = await pg.query(
    `INSERT INTO customers (first_name, last_name, email) VALUES ('Ada', 'Lovelace', $1) RETURNING id`,
    [email],
  );
  const customerId: number = cust.rows[0].id;
  const acct = await pg.query(
    `INSERT INTO accounts (customer_id, account_type, balance, currency) VALUES ($1, 'SAVINGS', 9999999999999999.99, 'EUR') RETURNING id`,
    [customerId],
  );
  const accountId: number = acct.rows[0].id;
  const txn = await pg.query(
    `INSERT INTO transactions (account_id, txn_type, amount) VALUES ($1, 'DEPOSIT', 0.01) RETURNING id`,
    [accountId],
  );
  const txnId = Number(txn.rows[0].id);

  await pg.query(`UPDATE customers SET first_name = 'Augusta' WHERE id = $1`, [customerId]);
  await pg.query(`UPDATE accounts SET balance = 1234.50 WHERE id = $1`, [accountId]);
  await pg.query(`UPDATE transactions SET status = 'FAILED' WHERE id = $1`, [txnId]);

  await pg.query(`DELETE FROM transactions WHERE id = $1`, [txnId]);
  await pg.query(`DELETE FROM accounts WHERE id = $1`, [accountId]);
  await pg.query(`DELETE FROM customers WHERE id = $1`, [customerId]);
  const lsnAfter = (await pg.query(`SELECT pg_current_wal_lsn()::text AS lsn`)).rows[0].lsn as string;

  // c, u, d and the tombstone after the delete.
  const customerEvents = await waitForEvents(topicFor('customers'), customerId, 4);
  const accountEvents = await waitForEvents(topicFor('accounts'), accountId, 4);
  const txnEvents = await waitForEvents(topicFor('transactions'), txnId, 4);

  for (const events of [customerEvents, accountEvents, txnEvents]) {
    expect(events.map((e) => e.value?.op ?? 'tombstone')).toEqual(['c', 'u', 'd', 'tombstone']);
    const [c, u, d] = events.map((e) => e.value!);
    expect(c!.before).toBeNull();
    expect(u!.before).not.toBeNull(); // REPLICA IDENTITY FULL
    expect(d!.after).toBeNull();
    expect(d!.before).toEqual(u!.after); // the delete carries the whole old row
    for (const e of [c!, u!, d!]) {
      expect(typeof e.source.lsn).toBe('number');
      expect(e.source.lsn).toBeLessThanOrEqual(lsnToNumber(lsnAfter));
      expect(e.source.ts_ms).toBeGreaterThanOrEqual(txnStart - 5000);
      expect(e.source.ts_ms).toBeLessThanOrEqual(Date.now());
      expect(e.source.txId).toEqual(expect.any(Number));
    }
    expect(c!.source.lsn).toBeLessThan(u!.source.lsn);
    expect(u!.source.lsn).toBeLessThan(d!.source.lsn);
  }

  const [cc, cu] = customerEvents.map((e) => e.value!);
  expect(cc!.after).toMatchObject({ id: customerId, first_name: 'Ada', last_name: 'Lovelace', email });
  expect(cu!.after).toMatchObject({ first_name: 'Augusta' });
  expect(String(cc!.after!.created_at)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

  // Money is an exact decimal string, the edge of NUMERIC(18,2) included, never a double.
  const [ac, au] = accountEvents.map((e) => e.value!);
  expect(ac!.after).toMatchObject({ id: accountId, balance: '9999999999999999.99', currency: 'EUR', status: 'OPEN' });
  expect(au!.after).toMatchObject({ balance: '1234.50' });
  const [tc, tu] = txnEvents.map((e) => e.value!);
  expect(tc!.after).toMatchObject({
    id: txnId,
    amount: '0.01',
    txn_type: 'DEPOSIT',
    status: 'COMPLETED',
    related_account_id: null,
  });
  expect(tu!.after).toMatchObject({ status: 'FAILED' });
});

function lsnToNumber(lsn: string): number {
  const [hi, lo] = lsn.split('/').map((h) => parseInt(h, 16));
  return hi! * 2 ** 32 + lo!;
}
