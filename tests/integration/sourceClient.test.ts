/**
 * The soak's kill -9 of Postgres crashed the run: the e2e run's idle source connection emitted
 * 'error' with no listener, which Node throws. The CLIs' source client (infra/local/cli/util/sourceClient.ts)
 * must survive its server going away: here its backend is terminated (FATAL 57P01, the same event
 * a postmaster crash gives an idle client), and the process goes on with the loss logged.
 */
import { loadSettings } from '../../infra/local/stack/settings';
import { connectSource } from '../../infra/local/cli/util/sourceClient';
import { postgresClient } from '../../functions/shared/postgres';
import { sleep } from '../../infra/local/stack/proc';

test('a source connection whose backend dies is logged, not thrown, and a new one works', async () => {
  const cfg = loadSettings();
  const lost: string[] = [];
  const victim = await connectSource(cfg, (m) => lost.push(m));
  const pid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const admin = postgresClient(cfg);
  await admin.connect();
  try {
    expect((await admin.query('SELECT pg_terminate_backend($1) AS ok', [pid])).rows[0].ok).toBe(true);
    for (let i = 0; i < 100 && lost.length === 0; i++) await sleep(50);
    // pg emits the server's FATAL, then the socket's end: each is logged, none thrown.
    expect(lost.length).toBeGreaterThan(0);
    for (const m of lost) expect(m).toMatch(/^Postgres connection lost: /);
    await expect(victim.query('SELECT 1')).rejects.toThrow();
    const again = await connectSource(cfg);
    expect((await again.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    await again.end();
  } finally {
    await admin.end();
    await victim.end().catch(() => undefined);
  }
});
