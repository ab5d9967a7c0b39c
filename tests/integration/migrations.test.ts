/**
 * Postgres migrations (infra/local/stack/migrations.ts) on the real Postgres, in a scratch schema:
 * numbered files in order, each once, recorded in schema_migrations; a failing one leaves no
 * trace; an applied file that changed is reported and not re-run. And the stack's own
 * sql/postgres/ has been applied through it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import { loadSettings } from '../../infra/local/stack/settings';
import { dbSettingsFromConfig, openConnection } from '../../functions/generator';
import { applyMigrations, readMigrations } from '../../infra/local/stack/migrations';
import { postgresClient } from '../../functions/shared/postgres';

const cfg = loadSettings();
let dir: string;
let db: Client;
const schema = `migr_${Date.now().toString(36)}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'migrations-'));
  db = await openConnection(dbSettingsFromConfig(cfg, { schema, applicationName: 'migrations-test' }));
  await db.query(`CREATE SCHEMA ${schema}`);
});
afterAll(async () => {
  await db.query(`DROP SCHEMA ${schema} CASCADE`);
  await db.end();
  await rm(dir, { recursive: true, force: true });
});

test('applies numbered files in number order, each once, and records them', async () => {
  // 10 sorts before 2 as text: the order must be numeric.
  await writeFile(join(dir, '1_base.sql'), 'CREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY);');
  await writeFile(join(dir, '2_add.sql'), 'ALTER TABLE t ADD COLUMN IF NOT EXISTS note TEXT;');
  await writeFile(join(dir, '10_more.sql'), 'ALTER TABLE t ADD COLUMN IF NOT EXISTS limit_ NUMERIC(18,2);');
  expect(readMigrations(dir).map((m) => m.file)).toEqual(['1_base.sql', '2_add.sql', '10_more.sql']);
  expect(await applyMigrations(db, readMigrations(dir))).toEqual({
    applied: ['1_base.sql', '2_add.sql', '10_more.sql'],
    changedSinceApplied: [],
  });
  expect(await applyMigrations(db, readMigrations(dir))).toEqual({ applied: [], changedSinceApplied: [] });
  const cols = await db.query(
    `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 't' ORDER BY ordinal_position`,
    [schema],
  );
  expect(cols.rows.map((r) => `${r.column_name} ${r.data_type}`)).toEqual(['id integer', 'note text', 'limit_ numeric']);
  const recorded = await db.query('SELECT version, file FROM schema_migrations ORDER BY version');
  expect(recorded.rows).toEqual([
    { version: 1, file: '1_base.sql' },
    { version: 2, file: '2_add.sql' },
    { version: 10, file: '10_more.sql' },
  ]);
});

test('a failing migration leaves nothing behind and stops the ones after it; a changed applied file is reported', async () => {
  await writeFile(join(dir, '2_add.sql'), 'ALTER TABLE t ADD COLUMN IF NOT EXISTS note TEXT; -- edited');
  await writeFile(join(dir, '11_bad.sql'), 'ALTER TABLE t ADD COLUMN half TEXT; SELECT no_such_function();');
  await writeFile(join(dir, '12_after.sql'), 'ALTER TABLE t ADD COLUMN after_bad TEXT;');
  await expect(applyMigrations(db, readMigrations(dir))).rejects.toThrow(
    /migration sql\/postgres\/11_bad.sql failed: .*no_such_function/,
  );
  const cols = await db.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 't'`, [
    schema,
  ]);
  expect(cols.rows.map((r) => r.column_name)).not.toContain('half');
  expect(cols.rows.map((r) => r.column_name)).not.toContain('after_bad');
  await rm(join(dir, '11_bad.sql'));
  expect(await applyMigrations(db, readMigrations(dir))).toEqual({
    applied: ['12_after.sql'],
    changedSinceApplied: ['2_add.sql'],
  });
});

test('refuses two files with the same number, and names that are not NN_name.sql', async () => {
  const other = await mkdtemp(join(tmpdir(), 'migrations-bad-'));
  try {
    await writeFile(join(other, '3_a.sql'), '');
    await writeFile(join(other, '03_b.sql'), '');
    expect(() => readMigrations(other)).toThrow(
      /3_a.sql and 03_b.sql have the same number|03_b.sql and 3_a.sql have the same number/,
    );
    await rm(join(other, '03_b.sql'));
    await writeFile(join(other, 'schema.sql'), '');
    expect(() => readMigrations(other)).toThrow(/schema.sql: a migration is named NN_description.sql/);
  } finally {
    await rm(other, { recursive: true, force: true });
  }
});

test("the stack applied the repository's own migrations through schema_migrations", async () => {
  const app = postgresClient(cfg, { host: '127.0.0.1' });
  await app.connect();
  try {
    const rows = (await app.query('SELECT file FROM public.schema_migrations ORDER BY version')).rows.map((r) => r.file);
    expect(rows).toEqual(readMigrations(join(__dirname, '../../sql/postgres')).map((m) => m.file));
  } finally {
    await app.end();
  }
});
