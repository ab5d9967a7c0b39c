/**
 * PostgreSQL 15 from Debian's packages, run as an unprivileged user (initdb refuses root) on
 * 127.0.0.1 with wal_level=logical. Data in <stack>/postgres/data; schema from sql/postgres/.
 */
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import { serviceDirs, type Service, type StackContext } from '../service';
import { VERSIONS } from '../versions';
import { portOpen, run, runAsync } from '../proc';
import { withHeartbeat } from '../heartbeat';
import { canAptInstall, MissingToolError, PREREQUISITES } from '../prerequisites';
import { applyMigrations, readMigrations } from '../migrations';
import { postgresClient } from '../../../../functions/shared/postgres';

const SUPERUSER = 'postgres';

const dirs = (ctx: StackContext) => serviceDirs(ctx, 'postgres', { data: 'data', sock: 'run', log: 'postgres.log' });

/** Root cannot run postgres: use the `postgres` system user (created by the Debian package). */
function runAs(): { user: string; uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line)
    throw new Error('postgres: running as root needs the "postgres" system user (apt-get install postgresql-15 creates it)');
  const [, , uid, gid] = line.split(':');
  return { user: 'postgres', uid: Number(uid), gid: Number(gid) };
}

/** A Postgres program of POSTGRES_BIN_DIR, as the `postgres` user when we are root. */
function pgCommand(ctx: StackContext, bin: string, args: string[]): [string, string[]] {
  const as = runAs();
  const exe = join(ctx.cfg.POSTGRES_BIN_DIR, bin);
  return as ? ['runuser', ['-u', as.user, '--', exe, ...args]] : [exe, args];
}

const pgCmd = (ctx: StackContext, bin: string, args: string[]): string => run(...pgCommand(ctx, bin, args));

async function ensureBinaries(ctx: StackContext): Promise<void> {
  const dir = ctx.cfg.POSTGRES_BIN_DIR;
  if (existsSync(join(dir, 'postgres'))) return;
  if (!canAptInstall()) {
    const { why, install } = PREREQUISITES.postgres;
    throw new MissingToolError('postgres', `${join(dir, 'postgres')} not found (${why})`, install());
  }
  const detail = `postgresql-${VERSIONS.postgres} from Debian packages with apt-get (first run only)`;
  await withHeartbeat({ name: 'postgres', doing: 'installing', detail, done: 'installed', log: ctx.log }, async () => {
    await runAsync('apt-get', ['update', '-qq']);
    await runAsync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', `postgresql-${VERSIONS.postgres}`], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  });
  // The package may create and start a default cluster on 5432: stop it, it is not ours.
  try {
    run('pg_ctlcluster', [VERSIONS.postgres, 'main', 'stop']);
  } catch {
    /* not running */
  }
}

/** Superuser connection over the unix socket (trust auth, local only). */
export function superClient(ctx: StackContext, database = 'postgres'): Client {
  return postgresClient(ctx.cfg, { host: dirs(ctx).sock, user: SUPERUSER, database, password: undefined });
}

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;
const quoteLit = (s: string) => `'${s.replace(/'/g, "''")}'`;

async function ensureRolesAndDb(ctx: StackContext): Promise<boolean> {
  const { cfg } = ctx;
  let changed = false;
  const su = superClient(ctx);
  await su.connect();
  try {
    const roles = [
      { name: cfg.POSTGRES_USER, password: cfg.POSTGRES_PASSWORD, attrs: 'LOGIN' },
      { name: cfg.POSTGRES_REPLICATION_USER, password: cfg.POSTGRES_REPLICATION_PASSWORD, attrs: 'LOGIN REPLICATION' },
    ];
    for (const r of roles) {
      const exists = (await su.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [r.name])).rowCount! > 0;
      // ALTER keeps the password in step with .env on every up.
      await su.query(
        `${exists ? 'ALTER' : 'CREATE'} ROLE ${quoteIdent(r.name)} WITH ${r.attrs} PASSWORD ${quoteLit(r.password)}`,
      );
      if (!exists) {
        ctx.log(`postgres: created role ${r.name}`);
        changed = true;
      }
    }
    const db = await su.query('SELECT 1 FROM pg_database WHERE datname = $1', [cfg.POSTGRES_DB]);
    if (db.rowCount === 0) {
      await su.query(`CREATE DATABASE ${quoteIdent(cfg.POSTGRES_DB)} OWNER ${quoteIdent(cfg.POSTGRES_USER)}`);
      ctx.log(`postgres: created database ${cfg.POSTGRES_DB}`);
      changed = true;
    }
  } finally {
    await su.end();
  }
  return changed;
}

/** Apply the migrations in sql/postgres/ (migrations.ts) as the application user (so it owns the tables), then grant Debezium what it reads. */
async function applySchema(ctx: StackContext): Promise<boolean> {
  const { cfg } = ctx;
  const app = postgresClient(cfg, { host: '127.0.0.1' });
  await app.connect();
  let changed = false;
  try {
    const before = (await app.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`)).rows[0].n as number;
    const pubBefore = (await app.query(`SELECT count(*)::int AS n FROM pg_publication`)).rows[0].n as number;
    const migrations = await applyMigrations(app, readMigrations(join(ctx.root, 'sql', 'postgres')));
    for (const f of migrations.changedSinceApplied)
      ctx.log(`postgres: sql/postgres/${f} changed after it was applied; it is not re-run (add a new migration)`);
    if (migrations.applied.length) ctx.log(`postgres: applied ${migrations.applied.join(', ')}`);
    const repl = quoteIdent(cfg.POSTGRES_REPLICATION_USER);
    await app.query(`GRANT USAGE ON SCHEMA public TO ${repl}`);
    await app.query(`GRANT SELECT ON customers, accounts, transactions TO ${repl}`);
    await app.query(`GRANT SELECT, INSERT, UPDATE ON debezium_heartbeat TO ${repl}`);
    const after = (await app.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`)).rows[0].n as number;
    const pubAfter = (await app.query(`SELECT count(*)::int AS n FROM pg_publication`)).rows[0].n as number;
    if (after !== before || pubAfter !== pubBefore || migrations.applied.length > 0) {
      ctx.log(`postgres: schema applied (${after} tables, publication banking_publication)`);
      changed = true;
    }
  } finally {
    await app.end();
  }
  return changed;
}

export const postgresService: Service = {
  name: 'postgres',
  startTimeoutMs: 60_000,
  ports: (ctx) => [{ port: ctx.cfg.POSTGRES_PORT, variable: 'POSTGRES_PORT' }],
  logFile: (ctx) => dirs(ctx).log,

  async provision(ctx) {
    await ensureBinaries(ctx);
    const d = dirs(ctx);
    if (existsSync(join(d.data, 'PG_VERSION'))) return false;
    const as = runAs();
    for (const p of [d.base, d.data, d.sock]) {
      mkdirSync(p, { recursive: true, mode: 0o700 });
      if (as) chownSync(p, as.uid, as.gid);
    }
    writeFileSync(d.log, '');
    if (as) chownSync(d.log, as.uid, as.gid);
    const initdb = pgCommand(ctx, 'initdb', [
      '-D',
      d.data,
      '-U',
      SUPERUSER,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ]);
    const step = { name: 'postgres', doing: 'initialising a new cluster', detail: '(initdb)', done: 'cluster initialised' };
    await withHeartbeat({ ...step, log: ctx.log }, () => runAsync(...initdb));
    // Our settings in one included file, so postgresql.conf stays pristine.
    const conf = [
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${d.sock}'`,
      `wal_level = logical`,
      `max_wal_senders = 10`,
      `max_replication_slots = 10`,
      // A slot whose consumer is gone must not fill the disk.
      `max_slot_wal_keep_size = '2GB'`,
      `timezone = 'UTC'`,
      `log_timezone = 'UTC'`,
    ].join('\n');
    writeFileSync(join(d.data, 'stack.conf'), conf + '\n');
    writeFileSync(
      join(d.data, 'postgresql.conf'),
      readFileSync(join(d.data, 'postgresql.conf'), 'utf8') + `\ninclude 'stack.conf'\n`,
    );
    const hba = [
      'local   all          postgres                 trust',
      'local   all          all                      scram-sha-256',
      'host    all          all          127.0.0.1/32 scram-sha-256',
      'host    replication  all          127.0.0.1/32 scram-sha-256',
    ].join('\n');
    writeFileSync(join(d.data, 'pg_hba.conf'), hba + '\n');
    if (as) for (const f of ['stack.conf', 'postgresql.conf', 'pg_hba.conf']) chownSync(join(d.data, f), as.uid, as.gid);
    return true;
  },

  async start(ctx) {
    const d = dirs(ctx);
    // pg_ctl daemonises postgres and waits until it accepts connections.
    pgCmd(ctx, 'pg_ctl', ['-D', d.data, '-l', d.log, '-w', '-t', '60', '-o', `-p ${ctx.cfg.POSTGRES_PORT}`, 'start']);
  },

  async ready(ctx) {
    const su = superClient(ctx);
    try {
      await su.connect();
      await su.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await su.end().catch(() => {});
    }
  },

  async health(ctx) {
    if (!(await portOpen(ctx.cfg.POSTGRES_PORT))) return { healthy: false, detail: 'not listening' };
    const c = postgresClient(ctx.cfg, { host: '127.0.0.1', connectTimeoutMs: 1500 });
    try {
      await c.connect();
      const r = await c.query(`SELECT current_setting('wal_level') AS wal, current_setting('server_version') AS v,
        (SELECT count(*)::int FROM pg_tables WHERE schemaname='public' AND tablename IN ('customers','accounts','transactions')) AS tables`);
      const row = r.rows[0];
      const ok = row.wal === 'logical' && row.tables === 3;
      return { healthy: ok, detail: `PostgreSQL ${row.v}, wal_level=${row.wal}, ${row.tables}/3 tables` };
    } catch (err) {
      return { healthy: false, detail: (err as Error).message };
    } finally {
      await c.end().catch(() => {});
    }
  },

  async stop(ctx) {
    const d = dirs(ctx);
    if (!existsSync(join(d.data, 'postmaster.pid'))) return false;
    pgCmd(ctx, 'pg_ctl', ['-D', d.data, '-m', 'fast', '-w', 'stop']);
    return true;
  },

  async configure(ctx) {
    const a = await ensureRolesAndDb(ctx);
    const b = await applySchema(ctx);
    return a || b;
  },
};
