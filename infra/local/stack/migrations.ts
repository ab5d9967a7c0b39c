/**
 * Postgres schema migrations: the numbered files in sql/postgres/ (`NN_name.sql`), applied in
 * number order, each once, recorded in `schema_migrations` (version, file, checksum, applied_at),
 * each in its own transaction with its record. The files are also idempotent (IF NOT EXISTS), so
 * a database created before this table existed records them on the next `up` without harm.
 * A concurrent `up` waits on an advisory lock. An applied file whose content changed is reported,
 * not re-run: add a new migration instead.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';

export interface Migration {
  version: number;
  file: string;
  sql: string;
  checksum: string;
}

const NAME = /^(\d+)_[\w.-]+\.sql$/;
/** Arbitrary, fixed: serialises concurrent appliers on one database. */
const LOCK_KEY = 4_711_001;

export function readMigrations(dir: string): Migration[] {
  const files = readdirSync(dir).filter((n) => n.endsWith('.sql'));
  const out: Migration[] = [];
  for (const file of files) {
    const m = NAME.exec(file);
    if (!m) throw new Error(`sql/postgres/${file}: a migration is named NN_description.sql`);
    const sql = readFileSync(join(dir, file), 'utf8');
    out.push({ version: Number(m[1]), file, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  out.sort((a, b) => a.version - b.version);
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.version === out[i - 1]!.version)
      throw new Error(`sql/postgres: ${out[i - 1]!.file} and ${out[i]!.file} have the same number`);
  }
  return out;
}

export interface MigrationReport {
  applied: string[];
  changedSinceApplied: string[];
}

export async function applyMigrations(db: Client, migrations: readonly Migration[]): Promise<MigrationReport> {
  await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    file       TEXT NOT NULL,
    checksum   TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`);
  const report: MigrationReport = { applied: [], changedSinceApplied: [] };
  await db.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
  try {
    const done = new Map(
      (await db.query<{ version: number; checksum: string }>('SELECT version, checksum FROM schema_migrations')).rows.map((r) => [
        r.version,
        r.checksum,
      ]),
    );
    for (const m of migrations) {
      const applied = done.get(m.version);
      if (applied !== undefined) {
        if (applied !== m.checksum) report.changedSinceApplied.push(m.file);
        continue;
      }
      await db.query('BEGIN');
      try {
        await db.query(m.sql);
        await db.query('INSERT INTO schema_migrations (version, file, checksum) VALUES ($1, $2, $3)', [
          m.version,
          m.file,
          m.checksum,
        ]);
        await db.query('COMMIT');
      } catch (err) {
        await db.query('ROLLBACK').catch(() => undefined);
        throw new Error(`migration sql/postgres/${m.file} failed: ${(err as Error).message}`, { cause: err });
      }
      report.applied.push(m.file);
    }
  } finally {
    await db.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
  }
  return report;
}
