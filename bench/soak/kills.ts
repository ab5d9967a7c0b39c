/** The soak's stage kills that are more than killService (Postgres's postmaster, a live `dbt build`) and capture's recovery. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DuringRunContext } from '../../infra/local/cli/e2e-run';
import { makeContext } from '../../infra/local/stack/context';
import { isAlive, sleep } from '../../infra/local/stack/proc';
import type { Settings } from '../../infra/local/stack/settings';
import { dbtBin } from '../../infra/local/stack/python';
import { registerConnector } from '../../infra/local/stack/debezium/register';
import { SLOT } from '../../infra/local/stack/debezium/connector-config';
import { connectSource } from '../../infra/local/cli/util/sourceClient';

/** kill -9 Postgres's postmaster (its pid file's first line); the backends die with it. */
export async function killPostgres(cfg: Settings): Promise<number> {
  const ctx = makeContext({ quiet: true, cfg });
  const pid = Number(readFileSync(join(ctx.stackDir, 'postgres', 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
  return pid;
}

/**
 * Start `dbt build` on the warehouse the loaders are writing and kill -9 it once it is building
 * (or after 60 s); resolves with what it had printed. dbt finding the file locked is the ordinary
 * case Airflow's runner retries; what matters is that the pipeline and the file survive the kill.
 */
export async function killDbt(c: DuringRunContext, mark: () => void): Promise<string> {
  const ctx = makeContext({ quiet: true, cfg: c.cfg });
  const dbtDir = join(ctx.root, 'dbt');
  const child = spawn(await dbtBin(ctx), ['build', '--target', 'local'], {
    cwd: dbtDir,
    env: { ...process.env, WAREHOUSE_PATH: c.warehousePath, DBT_PROFILES_DIR: dbtDir, BANKING_REPO_ROOT: ctx.root },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const started = new Promise<void>((resolve) => {
    const on = (b: Buffer) => {
      out += b.toString();
      if (/ START |Concurrency/.test(out)) resolve();
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    setTimeout(resolve, 60_000);
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await Promise.race([started, exited]);
  mark();
  child.kill('SIGKILL');
  await exited;
  return (
    out
      .split('\n')
      .filter((l) => l.trim())
      .slice(-1)[0] ?? ''
  );
}

/** Waits until the replication slot has confirmed the WAL written now, re-registering the connector meanwhile. */
export async function captureResumed(cfg: Settings, log: (m: string) => void): Promise<void> {
  const pg = await connectSource(cfg);
  try {
    const lsn = (await pg.query<{ l: string }>('SELECT pg_current_wal_insert_lsn()::text AS l')).rows[0]!.l;
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      const r = await pg.query<{ ok: boolean }>(
        'SELECT confirmed_flush_lsn >= $1::pg_lsn AS ok FROM pg_replication_slots WHERE slot_name = $2',
        [lsn, SLOT],
      );
      if (r.rows[0]?.ok) return;
      await registerConnector(cfg, (m) => log(m), { waitRunningMs: 5_000 }).catch(() => undefined);
      await sleep(1000);
    }
    throw new Error(`capture did not resume within 180 s after Postgres came back`);
  } finally {
    await pg.end().catch(() => undefined);
  }
}
