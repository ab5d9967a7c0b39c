import { WarehouseBusyError } from '../../../functions/loader/errors';
import { lockHolder, withLockRetry } from '../../../functions/loader/lockRetry';
import { recordingLog } from './fixtures';

const lockMessage =
  'IO Error: Could not set lock on file "/w/banking.duckdb": Conflicting lock is held in /usr/bin/python3.11 (PID 4242). See also https://duckdb.org/docs/stable/connect/concurrency';

/** A clock that only moves when the code under test sleeps. */
function fakeClock() {
  let t = 0;
  const sleeps: number[] = [];
  return { sleeps, now: () => t, sleep: async (ms: number) => void (sleeps.push(ms), (t += ms)) };
}

describe('withLockRetry', () => {
  it('backs off exponentially (capped) while the file is locked, then returns the opened value', async () => {
    const clock = fakeClock();
    const log = recordingLog();
    let calls = 0;
    const open = async () => {
      if (++calls < 6) throw new Error(lockMessage);
      return 'db';
    };
    await expect(
      withLockRetry('/w/banking.duckdb', open, log, { timeoutMs: 60_000, initialDelayMs: 100, maxDelayMs: 500, ...clock }),
    ).resolves.toBe('db');
    expect(clock.sleeps).toEqual([100, 200, 400, 500, 500]);
    expect(log.lines.map((l) => l.attrs.heldBy)).toEqual(Array(5).fill('/usr/bin/python3.11 (PID 4242)'));
  });

  it('gives up at the deadline with an error naming the file and the holder', async () => {
    const clock = fakeClock();
    const open = async (): Promise<never> => {
      throw new Error(lockMessage);
    };
    const err = await withLockRetry('/w/banking.duckdb', open, recordingLog(), {
      timeoutMs: 1_000,
      initialDelayMs: 100,
      ...clock,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WarehouseBusyError);
    expect((err as Error).message).toMatch(
      /DuckDB file \/w\/banking.duckdb is still locked by \/usr\/bin\/python3.11 \(PID 4242\)/,
    );
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1_000);
  });

  it('does not retry other errors', async () => {
    const clock = fakeClock();
    let calls = 0;
    const open = async (): Promise<never> => {
      calls++;
      throw new Error('IO Error: Permission denied');
    };
    await expect(withLockRetry('/w/x.duckdb', open, recordingLog(), { timeoutMs: 10_000, ...clock })).rejects.toThrow(
      'Permission denied',
    );
    expect(calls).toBe(1);
  });

  it("reads the holder from DuckDB's message, if any", () => {
    expect(lockHolder(new Error(lockMessage))).toBe('/usr/bin/python3.11 (PID 4242)');
    expect(lockHolder(new Error('Could not set lock on file "x"'))).toBeUndefined();
  });
});
