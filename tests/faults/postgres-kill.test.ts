/**
 * Found by the soak: after a kill -9 of Postgres, the Debezium task failed for good ("Failed to
 * create TypeRegistry" while the database recovered), Connect does not retry that, and bringing
 * the stack up threw instead of restarting it, so capture stopped for good. Here: kill -9 the
 * postmaster, bring the stack up (as the soak does), and the connector must run and capture again.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSettings } from '../../infra/local/stack/settings';
import { makeContext } from '../../infra/local/stack/context';
import { isAlive, sleep } from '../../infra/local/stack/proc';
import { stackUp } from '../../infra/local/stack/stack';
import { connectorStatus } from '../../infra/local/stack/debezium/register';
import { connectSource } from '../../infra/local/cli/util/sourceClient';

jest.setTimeout(8 * 60_000);

test('kill -9 Postgres, stack up: the Debezium connector runs and its slot advances again', async () => {
  const cfg = loadSettings();
  const ctx = makeContext({ quiet: true, cfg });
  const pid = Number(readFileSync(join(ctx.stackDir, 'postgres', 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
  await stackUp({ ctx: { ...ctx, log: (m) => console.log(`[postgres-kill] ${m}`) } });
  expect((await connectorStatus(cfg))?.tasks).toEqual(['RUNNING']);
  // Capturing again: a change committed now moves the slot's confirmed LSN past it.
  const pg = await connectSource(cfg);
  try {
    await pg.query(`UPDATE customers SET email = email WHERE id = (SELECT min(id) FROM customers)`);
    const lsn = (await pg.query<{ l: string }>('SELECT pg_current_wal_insert_lsn()::text AS l')).rows[0]!.l;
    let passed = false;
    for (let i = 0; i < 240 && !passed; i++) {
      const r = await pg.query<{ ok: boolean }>(
        `SELECT confirmed_flush_lsn >= $1::pg_lsn AS ok FROM pg_replication_slots WHERE slot_name = 'banking_slot'`,
        [lsn],
      );
      passed = r.rows[0]?.ok === true;
      if (!passed) await sleep(500);
    }
    expect(passed).toBe(true);
  } finally {
    await pg.end();
  }
});
