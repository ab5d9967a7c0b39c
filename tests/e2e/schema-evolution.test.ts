/**
 * Schema evolution end to end, on the real stack, under load, with the pipeline running (the
 * functions under `sls offline`, as `npm run e2e` runs them): while the generator writes, customers
 * gains a text column and accounts a NUMERIC(18,2) one; the generator then writes both; the
 * warehouse must reconcile exactly, the new columns' values included, with zero dead letters.
 * In the same run (one stack, one pipeline) a table the repository does not know is created, with
 * a column of every type: configured only by CAPTURED_TABLES, it must reach RAW and staging exactly.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { loadSettings } from '../../infra/local/stack/settings';
import { createS3Client } from '../../functions/shared/s3';
import { runE2e } from '../../infra/local/cli/e2e-run';
import { withWarehouse } from '../../infra/local/cli/util/warehouse';
import { postgresClient } from '../../functions/shared/postgres';
import { endOffsets } from '../fixtures/kafkaCapture';
import { duckdbCanonical, reconTypeOf, sourceRowsSql, type ReconColumn } from '../../functions/reconcile/canonical';
import { ALL_TYPES, EDGE_ROWS, ENUM_TYPE, RAW_TYPES, createEnum, insertSql, q } from '../fixtures/allTypes';
import { DEFAULT_CAPTURED_TABLES } from '../../functions/shared/capturedTables';
import { postgresCanonical } from '../../functions/reconcile/canonical';
import { PUBLICATION } from '../../infra/local/stack/debezium/connector-config';
import { topicFor } from '../../functions/shared/tables';
import type { DuckDBConnection } from '@duckdb/node-api';

jest.setTimeout(20 * 60_000);

const cfg = loadSettings();
// Names of this run's own: a column dropped and added again under the same name would lose its
// values in the source without a change event (a non-additive change), which RAW rightly keeps.
const run = Date.now().toString(36);
const TIER = `loyalty_tier_${run}`;
const LIMIT = `overdraft_limit_${run}`;
const ADD = [`ALTER TABLE customers ADD COLUMN ${TIER} TEXT`, `ALTER TABLE accounts ADD COLUMN ${LIMIT} NUMERIC(18,2)`];
const DROP = [`ALTER TABLE customers DROP COLUMN IF EXISTS ${TIER}`, `ALTER TABLE accounts DROP COLUMN IF EXISTS ${LIMIT}`];

/**
 * Dead letters of records this run produced: those at or past the topics' end offsets when it
 * started. A run replays the topics from the start (fresh group), so it rewrites the dead letters
 * of records other tests put there on purpose (the dashboard test's broken record); those are not its.
 */
async function deadLettersOfRun(start: Map<string, number>, newTopics: readonly string[] = []): Promise<string[]> {
  const s3 = createS3Client(cfg);
  const keys: string[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: cfg.MINIO_BUCKET, Prefix: `${cfg.DLQ_PREFIX}/`, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        const m = /^[^/]+\/([^/]+)\/(\d+)-(\d+)\.json$/.exec(o.Key ?? '');
        if (!m) {
          keys.push(o.Key ?? '');
          continue;
        }
        const from = start.get(`${m[1]}-${m[2]}`) ?? (newTopics.includes(m[1]!) ? 0 : undefined);
        if (from !== undefined && Number(m[3]) >= from) keys.push(o.Key!);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } finally {
    s3.destroy();
  }
  return keys;
}

async function ddl(statements: string[]): Promise<void> {
  const pg = postgresClient(cfg);
  await pg.connect();
  try {
    for (const s of statements) await pg.query(s);
  } finally {
    await pg.end();
  }
}

/**
 * Issue 24: a column of every type, with names that need quoting, added to a table the pipeline
 * carries, and rows of edge values. Their names are fixed (`order` is the point), so before they are
 * dropped every value is set to NULL through the pipeline: a later run that adds them again then
 * finds NULL in the source and in the change log alike.
 */
let edgeCustomer: string | undefined;
async function addAllTypes(): Promise<void> {
  const pg = postgresClient(cfg);
  await pg.connect();
  try {
    await createEnum(pg);
    for (const [name, type] of Object.entries(ALL_TYPES))
      await pg.query(`ALTER TABLE accounts ADD COLUMN IF NOT EXISTS ${q(name)} ${type}`);
    const cust = await pg.query<{ id: string }>(
      `INSERT INTO customers (first_name, last_name, email) VALUES ('Type', 'Edge', 'types+${run}@example.test') RETURNING id::text AS id`,
    );
    edgeCustomer = cust.rows[0]!.id;
    for (const row of EDGE_ROWS) {
      await pg.query(insertSql('accounts', row, { customer_id: edgeCustomer, account_type: "'SAVINGS'", balance: "'0'" }));
    }
  } finally {
    await pg.end();
  }
}
const ALL_TYPES_UNDO = [
  `UPDATE accounts SET ${Object.keys(ALL_TYPES)
    .map((n) => `${q(n)} = NULL`)
    .join(', ')} WHERE ${Object.keys(ALL_TYPES)
    .map((n) => `${q(n)} IS NOT NULL`)
    .join(' OR ')}`,
  ...Object.keys(ALL_TYPES).map((n) => `ALTER TABLE accounts DROP COLUMN IF EXISTS ${q(n)}`),
  `DROP TYPE IF EXISTS ${ENUM_TYPE}`,
];

/**
 * Issue 24, item 5: a table by configuration. Its name is this run's (a later run's fresh consumer
 * group replays the topics from the start, so a reused name would bring back older rows). What a
 * user does: the table's name in CAPTURED_TABLES (set before the stack and the functions start:
 * the connector's include list, the topic and the writer's mapping follow it), then its migration,
 * which creates it and adds it to the publication in one transaction, while the pipeline runs.
 */
const NEW_TABLE = `loan_risk_${run}`;
const NEW_TOPIC = topicFor(NEW_TABLE, cfg.KAFKA_TOPIC_PREFIX);
const capturedBefore = process.env.CAPTURED_TABLES;
process.env.CAPTURED_TABLES = `${capturedBefore || DEFAULT_CAPTURED_TABLES},${NEW_TABLE}`;
/** The changes made to the new table: inserts of every edge row, then an update and a delete. */
const NEW_TABLE_CHANGES = EDGE_ROWS.length + 2;

async function createNewTable(): Promise<void> {
  const pg = postgresClient(cfg);
  await pg.connect();
  try {
    await createEnum(pg);
    // The migration a user writes: nothing else in the repository changes.
    await pg.query('BEGIN');
    await pg.query(
      `CREATE TABLE ${q(NEW_TABLE)} (id SERIAL PRIMARY KEY, ${Object.entries(ALL_TYPES)
        .map(([n, t]) => `${q(n)} ${t}`)
        .join(', ')})`,
    );
    await pg.query(`ALTER TABLE ${q(NEW_TABLE)} REPLICA IDENTITY FULL`);
    await pg.query(`ALTER PUBLICATION ${PUBLICATION} ADD TABLE ${q(NEW_TABLE)}`);
    await pg.query('COMMIT');
    const ids: string[] = [];
    for (const row of EDGE_ROWS) ids.push((await pg.query<{ id: string }>(insertSql(NEW_TABLE, row))).rows[0]!.id);
    await pg.query(
      `UPDATE ${q(NEW_TABLE)} SET c_int4 = 42, ${q('RiskTier')} = 'Löw ✓', c_text_arr = '{NULL,"ü"}' WHERE id = $1`,
      [ids[2]],
    );
    await pg.query(`DELETE FROM ${q(NEW_TABLE)} WHERE id = $1`, [ids[3]]);
  } finally {
    await pg.end();
  }
}

/** The new table's rows in Postgres, canonical text by id (its columns from information_schema). */
async function newTableSource(): Promise<{ columns: ReconColumn[]; rows: Map<string, string> }> {
  const pg = postgresClient(cfg);
  await pg.connect();
  try {
    const types = await pg.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`,
      [NEW_TABLE],
    );
    const columns = types.rows.map((c) => ({ name: c.column_name, type: reconTypeOf(c.data_type) }));
    const rows = await pg.query<{ k: string; r: string }>(
      `SELECT id::text AS k, ${columns.map(postgresCanonical).join(` || '|' || `)} AS r FROM ${q(NEW_TABLE)}`,
    );
    return { columns, rows: new Map(rows.rows.map((r) => [r.k, r.r])) };
  } finally {
    await pg.end();
  }
}

/** Canonical rows by id of a warehouse relation (RAW's current state, or staging's). */
async function warehouseRows(
  db: DuckDBConnection,
  relation: string,
  columns: readonly ReconColumn[],
): Promise<Map<string, string>> {
  const r = await db.runAndReadAll(
    `SELECT CAST(id AS VARCHAR) AS k, ${columns.map(duckdbCanonical).join(` || '|' || `)} AS r FROM ${relation}`,
  );
  return new Map((r.getRowObjectsJson() as { k: string; r: string }[]).map((x) => [x.k, x.r]));
}

const rawCurrent = (table: string) =>
  `(SELECT * FROM raw.${q(table)} QUALIFY row_number() OVER (PARTITION BY id ORDER BY _lsn DESC, _kafka_offset DESC) = 1) WHERE _op <> 'd'`;

const differences = (source: Map<string, string>, other: Map<string, string>) =>
  [...new Set([...source.keys(), ...other.keys()])]
    .filter((k) => source.get(k) !== other.get(k))
    .map((k) => `${k}: ${source.get(k)} != ${other.get(k)}`);

/** Until the new table's current state in RAW equals Postgres (the pipeline is running meanwhile). */
async function awaitNewTableInRaw(warehousePath: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  const { columns, rows } = await newTableSource();
  let last = 'nothing loaded yet';
  while (Date.now() < until) {
    const got = await withWarehouse(warehousePath, (db) => warehouseRows(db, rawCurrent(NEW_TABLE), columns)).catch(
      (e: Error) => {
        last = e.message;
        return undefined;
      },
    );
    if (got) {
      const diff = differences(rows, got);
      if (diff.length === 0) return;
      last = diff.join('; ');
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error(`${NEW_TABLE} did not reach RAW exactly in ${timeoutMs / 1000}s: ${last}`);
}

afterAll(async () => {
  if (capturedBefore === undefined) delete process.env.CAPTURED_TABLES;
  else process.env.CAPTURED_TABLES = capturedBefore;
  await ddl([`DROP TABLE IF EXISTS ${q(NEW_TABLE)}`]);
  // Leave the source as the other tests expect it (RAW keeps the columns: it never drops one;
  // reconciliation compares the source's columns, so a dropped one is no longer compared).
  await ddl(DROP);
  await ddl(ALL_TYPES_UNDO.slice(0, 1)).catch(() => undefined); // the columns may not exist
  await ddl(ALL_TYPES_UNDO.slice(1));
});

test('ADD COLUMN while the pipeline runs: the new columns reach RAW and reconcile exactly, no dead letters', async () => {
  const start = await endOffsets(cfg);
  const report = await runE2e({
    iterations: 40,
    seed: 1111,
    intervalMs: 250,
    catchUpTimeoutMs: 600_000,
    // dbt runs: staging and current state must carry the new columns exactly too.
    generator: { scale: { customers: 20, accounts: 40, transactions: 200 }, fillExtraColumns: true },
    log: (m) => console.log(`[e2e] ${m}`),
    duringRun: async ({ warehousePath }) => {
      // Some iterations first, so the change happens under load, with objects of both shapes.
      await new Promise((r) => setTimeout(r, 4000));
      await ddl(ADD);
      await addAllTypes();
      await createNewTable();
      // The run waits for the declared tables, then stops the functions: the new one must be in by then.
      await awaitNewTableInRaw(warehousePath, 300_000);
    },
  });
  const { raw } = report;
  expect(raw.columns.customers).toContain(TIER);
  expect(raw.columns.accounts).toContain(LIMIT);
  // Every type and every name, compared value by value by the reconciliation below.
  expect(raw.columns.accounts).toEqual(expect.arrayContaining(Object.keys(ALL_TYPES)));
  for (const t of ['customers', 'accounts', 'transactions'] as const) {
    expect([t, raw.diff[t]]).toEqual([t, { missing: 0, extra: 0, different: 0, samples: [] }]);
  }
  expect(raw.match).toBe(true);
  expect(report.dbt).toMatchObject({ ok: true, match: true });

  // Staging's current state (stg_accounts -> int_accounts_current) holds every new column as Postgres does.
  const pg = postgresClient(cfg);
  await pg.connect();
  let source: Map<string, string>;
  let columns: ReconColumn[];
  try {
    const types = await pg.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = ANY($1)`,
      [Object.keys(ALL_TYPES)],
    );
    columns = types.rows.map((c) => ({ name: c.column_name, type: reconTypeOf(c.data_type) }));
    const rows = await pg.query<{ k: string; r: string }>(sourceRowsSql('accounts', columns));
    source = new Map(rows.rows.map((r) => [r.k, r.r]));
  } finally {
    await pg.end();
  }
  expect(columns).toHaveLength(Object.keys(ALL_TYPES).length);
  const staged = await withWarehouse(report.warehousePath, async (db) => {
    const r = await db.runAndReadAll(
      `SELECT CAST(account_id AS VARCHAR) AS k, ${columns.map(duckdbCanonical).join(` || '|' || `)} AS r FROM intermediate.int_accounts_current`,
    );
    return new Map((r.getRowObjectsJson() as { k: string; r: string }[]).map((x) => [x.k, x.r]));
  });
  expect(staged.size).toBe(source.size);
  const differing = [...source].filter(([k, r]) => staged.get(k) !== r).map(([k, r]) => `${k}: ${r} != ${staged.get(k)}`);
  expect(differing).toEqual([]);

  const inRaw = await withWarehouse(report.warehousePath, async (db) => {
    const types = await db.runAndReadAll(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'raw' AND column_name IN ('${TIER}', '${LIMIT}') ORDER BY 1`,
    );
    const values = await db.runAndReadAll(
      `SELECT (SELECT count(${TIER}) FROM raw.customers) AS tiers, (SELECT count(${LIMIT}) FROM raw.accounts) AS limits,
              (SELECT count(*) FROM raw.accounts WHERE ${LIMIT} IS NULL) AS older`,
    );
    const allTypes = await db.runAndReadAll(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = 'accounts'
          AND column_name IN (${Object.keys(ALL_TYPES)
            .map((n) => `'${n}'`)
            .join(', ')})`,
    );
    const edge = await db.runAndReadAll(
      `SELECT count(*) AS n FROM raw.accounts WHERE CAST(customer_id AS VARCHAR) = '${edgeCustomer}' AND c_bytea IS NOT NULL`,
    );
    return {
      types: types.getRowObjectsJson(),
      values: values.getRowObjectsJson()[0]!,
      allTypes: Object.fromEntries(allTypes.getRowObjectsJson().map((r) => [r.column_name, r.data_type])),
      edgeRows: Number(edge.getRowObjectsJson()[0]!.n),
    };
  });
  expect(inRaw.allTypes).toEqual(Object.fromEntries(Object.entries(RAW_TYPES).map(([n, t]) => [n, t[0]])));
  // The edge rows (bytea 0x00ff and empty) reached RAW.
  expect(inRaw.edgeRows).toBe(2);
  expect(inRaw.types).toEqual([
    { table_name: 'accounts', column_name: LIMIT, data_type: 'DECIMAL(18,2)' },
    { table_name: 'customers', column_name: TIER, data_type: 'VARCHAR' },
  ]);
  // The generator wrote both after the change, and changes from before it load with NULL.
  expect(Number(inRaw.values.tiers)).toBeGreaterThan(0);
  expect(Number(inRaw.values.limits)).toBeGreaterThan(0);
  expect(Number(inRaw.values.older)).toBeGreaterThan(0);
  expect(await deadLettersOfRun(start)).toEqual([]);

  // The table created while the pipeline ran, known to no file of the repository.
  const created = await newTableSource();
  expect(created.columns.map((c) => c.name)).toEqual(['id', ...Object.keys(ALL_TYPES)]);
  expect(created.rows.size).toBe(EDGE_ROWS.length - 1);
  const inWarehouse = await withWarehouse(report.warehousePath, async (db) => {
    const types = await db.runAndReadAll(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = '${NEW_TABLE}'`,
    );
    const count = async (sql: string) => Number((await db.runAndReadAll(sql)).getRowObjectsJson()[0]!.n);
    return {
      types: Object.fromEntries(types.getRowObjectsJson().map((r) => [r.column_name, r.data_type])),
      raw: await warehouseRows(db, rawCurrent(NEW_TABLE), created.columns),
      staged: await warehouseRows(db, `intermediate.${q(`int_${NEW_TABLE}_current`)}`, created.columns),
      rawChanges: await count(`SELECT count(*) AS n FROM raw.${q(NEW_TABLE)}`),
      stagedChanges: await count(`SELECT count(*) AS n FROM staging.${q(`stg_${NEW_TABLE}`)}`),
    };
  });
  // RAW's table was created from the first object: every type as the README's table says.
  expect(inWarehouse.types).toMatchObject({
    id: 'INTEGER',
    ...Object.fromEntries(Object.entries(RAW_TYPES).map(([n, t]) => [n, t[0]])),
    _file: 'VARCHAR',
  });
  expect(inWarehouse.rawChanges).toBe(NEW_TABLE_CHANGES);
  expect(inWarehouse.stagedChanges).toBe(NEW_TABLE_CHANGES);
  expect(differences(created.rows, inWarehouse.raw)).toEqual([]);
  expect(differences(created.rows, inWarehouse.staged)).toEqual([]);
  expect(await deadLettersOfRun(start, [NEW_TOPIC])).toEqual([]);
});
