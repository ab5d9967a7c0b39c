/**
 * The overload's load: deposits committed by Postgres itself at a set rate of row changes.
 *
 * Why not the generator: beside a saturated pipeline on 2 cores the generator (faker, planning,
 * the pg protocol, ~60 us of JS per change) got ~6.3k changes/s when aimed at 10k, so the
 * overload never reached twice the sustained rate (bench 2026-12-03). Here each tick is one
 * statement: N transactions inserted and N account balances raised by the same amounts, so the
 * ledger invariant holds (balance = completed deposits - withdrawals ...; LEDGER_VIOLATIONS_SQL)
 * and every deposit is 2 changes (1 insert + 1 update), captured by Debezium like any other.
 */
import type { Client } from 'pg';
import { sleep } from '../../infra/local/stack/proc';
import { seededRandom } from '../fixtures/seededRandom';

export interface DepositLoadResult {
  changes: number;
  deposits: number;
  commits: number;
  seconds: number;
}

/** Deposits per tick are spread over distinct accounts, so one UPDATE row is one deposit. */
const DEPOSIT_SQL = `
  WITH d AS (SELECT * FROM unnest($1::int[], $2::numeric[]) AS d(id, amount)),
       t AS (INSERT INTO transactions (account_id, txn_type, amount, status)
             SELECT id, 'DEPOSIT', amount, 'COMPLETED' FROM d)
  UPDATE accounts a SET balance = a.balance + d.amount FROM d WHERE a.id = d.id`;

/** `n` distinct ids from `ids` (a partial Fisher-Yates shuffle of `ids` in place; its order carries over between calls). */
function pickDistinct(ids: number[], n: number, rnd: () => number): number[] {
  const k = Math.min(n, ids.length);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rnd() * (ids.length - i));
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids.slice(0, k);
}

/**
 * Commits deposits on OPEN accounts until `signal` aborts, holding `changesPerSec` (each tick
 * commits what the rate owes since the start, so a slow tick is made up by the next ones). When
 * the signal aborts, one last commit settles what was owed up to that moment: a tick's commit can
 * take ~0.6 s at 12k changes/s, and without it the window ends short by up to that much (the
 * overload of 2026-12-05 reached 11,260 of 12,000/s that way).
 */
export async function runDepositLoad(
  db: Client,
  o: {
    changesPerSec: number;
    signal: AbortSignal;
    tickMs?: number;
    seed?: number;
    /**
     * Leave the newest N open accounts alone: the generator row-locks its pool among the newest
     * (functions/generator/state.ts), so a load beside it keeps to older ones and never waits on it.
     */
    spareNewest?: number;
    /** Called after each commit with its time and the changes committed so far (the capture-lag probe's clock). */
    onCommit?: (at: number, changes: number) => void;
  },
): Promise<DepositLoadResult> {
  const tickMs = o.tickMs ?? 100;
  const rnd = seededRandom(o.seed ?? 1);
  const { rows } = await db.query<{ id: number }>(`SELECT id FROM accounts WHERE status = 'OPEN' ORDER BY id`);
  const ids = rows.map((r) => r.id).slice(0, Math.max(0, rows.length - (o.spareNewest ?? 0)));
  if (ids.length === 0) throw new Error('the deposit load needs OPEN accounts: run the generator first');
  const started = Date.now();
  let abortedAt = o.signal.aborted ? started : 0;
  o.signal.addEventListener('abort', () => (abortedAt = Date.now()), { once: true });
  const total = { changes: 0, deposits: 0, commits: 0 };

  /** Commits the deposits the rate owes up to `at`. */
  const commitOwed = async (at: number): Promise<void> => {
    const owed = Math.floor((o.changesPerSec * (at - started)) / 1000) - total.changes;
    const n = Math.floor(owed / 2);
    if (n <= 0) return;
    const picked = pickDistinct(ids, n, rnd);
    // 0.01 .. 500.00, as a decimal string: money is never a float.
    const amounts = picked.map(() => {
      const cents = 1 + Math.floor(rnd() * 50_000);
      return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
    });
    const r = await db.query(DEPOSIT_SQL, [picked, amounts]);
    total.deposits += picked.length;
    total.changes += picked.length + (r.rowCount ?? 0);
    total.commits++;
    o.onCommit?.(Date.now(), total.changes);
  };

  while (!o.signal.aborted) {
    await commitOwed(Date.now());
    if (!o.signal.aborted) await sleep(tickMs);
  }
  await commitOwed(abortedAt);
  return { ...total, seconds: (Date.now() - started) / 1000 };
}
