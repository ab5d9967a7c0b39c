/**
 * verify's manifest check (functions/reconcile/manifests.ts) on a warehouse the DuckDB loader
 * filled from objects the writer's encoder made: every ledgered object's manifest against what
 * RAW holds for it, objects without one counted as unverified, an object whose records an
 * overlapping object inserted verified by its range, and each kind of damage named with its
 * object, key and column (found against the object itself).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { duckdbWarehouse } from '../../../functions/loader/duckdbWarehouse';
import { loadObjects } from '../../../functions/loader/loader';
import { verifyManifests } from '../../../functions/reconcile/manifests';
import { encodeParquet } from '../../../functions/writer';
import { lakeKey, memoryStore, recordingLog, sampleRows } from '../loader/fixtures';
import { storeBatch, type ObjectSink, type PutRequest } from '../../../functions/writer';
import { loadRecording } from '../../fixtures/debezium';

const bucket = 'banking-data';
let dir = '';
let db = '';
const objects = new Map<string, Uint8Array>();
const rows = sampleRows('transactions', 15, { partition: 0, firstOffset: 0 });
// A writer killed after storing 0-9 but before committing; the retry cut the records as 5-14.
const first = lakeKey('transactions', '2024-05-01', 0, 0, 10);
const second = lakeKey('transactions', '2024-05-01', 0, 5, 10);
const accounts = lakeKey('accounts', '2024-05-01', 0, 0, 8);
const legacy = lakeKey('customers', '2024-05-01', 0, 0, 4);
let undeclaredObjects = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verify-manifests-'));
  db = join(dir, 'wh.duckdb');
  objects.set(`${bucket}/${first}`, encodeParquet('transactions', rows.slice(0, 10)));
  objects.set(`${bucket}/${second}`, encodeParquet('transactions', rows.slice(5, 15)));
  objects.set(`${bucket}/${accounts}`, encodeParquet('accounts', sampleRows('accounts', 8)));
  objects.set(`${bucket}/${legacy}`, encodeParquet('customers', sampleRows('customers', 4), { manifest: false }));
  // A table tables.ts does not declare (the recorded accounts changes under another topic): its
  // objects' manifests name no key; verify checks them like the rest.
  const undeclared: string[] = [];
  const sink: ObjectSink = {
    put: async (req: PutRequest) => {
      objects.set(`${bucket}/${req.key}`, req.body as Uint8Array);
      undeclared.push(req.key);
    },
  };
  const records = loadRecording()
    .records.filter((r) => r.topic.endsWith('.accounts'))
    .map((r) => ({ ...r, topic: r.topic.replace(/\.accounts$/, '.loan_risk') }));
  expect((await storeBatch(records, { sink, dlqPrefix: '_dlq' })).deadLetters).toEqual([]);
  const log = recordingLog();
  const warehouse = duckdbWarehouse({ path: db, log, lock: { timeoutMs: 10_000 } });
  const store = memoryStore(objects);
  for (const key of [first, second, accounts, legacy, ...undeclared])
    expect((await loadObjects([{ bucket, key }], { warehouse, store, log })).failed).toBe(0);
  undeclaredObjects = undeclared.length;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** verify's check on a copy of the warehouse after `sql`, with the lake objects at hand. */
async function check(sql?: string) {
  const path = join(dir, `copy-${Math.random().toString(36).slice(2)}.duckdb`);
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    await conn.run(`ATTACH '${db}' AS src (READ_ONLY); ATTACH '${path}' AS wh; COPY FROM DATABASE src TO wh; DETACH src; USE wh`);
    if (sql) await conn.run(sql);
    return await verifyManifests(conn, 'raw', async (key) => {
      const file = join(dir, `${key.replace(/\W/g, '_')}.parquet`);
      await writeFile(file, objects.get(`${bucket}/${key}`)!);
      return file;
    });
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

describe('verify: ledgered manifests against RAW', () => {
  it("verifies every object with a manifest (an undeclared table's too), the overlapping one by its records, and counts the one without", async () => {
    // Before the fix the undeclared table's objects were neither verified nor counted unverified.
    expect(undeclaredObjects).toBeGreaterThan(0);
    expect(await check()).toEqual({ verified: 3 + undeclaredObjects, unverified: 1, mismatches: [] });
  });

  it('a row deleted: names the object, the key and that the row is missing', async () => {
    const r = await check(`DELETE FROM raw.transactions WHERE _kafka_offset = 3`);
    expect(r.mismatches).toEqual([
      expect.objectContaining({
        object: first,
        difference: 'rows: manifest 10, RAW 9',
        key: String(rows[3]!.id),
        column: '(row missing in RAW)',
        offset: '3',
      }),
    ]);
  });

  it('a row doubled in the overlap: names both objects holding the record', async () => {
    const r = await check(`INSERT INTO raw.transactions SELECT * FROM raw.transactions WHERE _kafka_offset = 7`);
    expect(r.mismatches.map((m) => [m.object, m.column])).toEqual([
      [first, '(row held 2 times in RAW)'],
      [second, '(row held 2 times in RAW)'],
    ]);
  });

  it('an amount changed: names the object, key and column with both values', async () => {
    const r = await check(`UPDATE raw.transactions SET amount = amount + 0.01 WHERE _kafka_offset = 12`);
    expect(r.mismatches).toEqual([
      expect.objectContaining({
        object: second,
        difference: expect.stringMatching(/^sum\(amount\): manifest /),
        key: String(rows[12]!.id),
        column: 'amount',
        lake: String(rows[12]!.amount),
      }),
    ]);
  });
});
