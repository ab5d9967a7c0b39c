/** The first run's long steps say what they do, then every 10 s that they still do, then how long it took. */
import { formatElapsed, withHeartbeat } from '../../../infra/local/stack/heartbeat';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test('a 35 s step: what it does, three heartbeats, the end with its time', async () => {
  const lines: string[] = [];
  const step = withHeartbeat(
    {
      name: 'minio',
      doing: 'building',
      detail: 'github.com/minio/minio with go install',
      done: 'built',
      log: (m) => lines.push(m),
    },
    () => new Promise((resolve) => setTimeout(() => resolve('bin'), 35_000)),
  );
  await jest.advanceTimersByTimeAsync(35_000);
  await expect(step).resolves.toBe('bin');
  expect(lines).toEqual([
    'minio: building github.com/minio/minio with go install...',
    'minio: still building (10 s)',
    'minio: still building (20 s)',
    'minio: still building (30 s)',
    'minio: built in 35 s',
  ]);
  // Stopped: no heartbeat after the step.
  await jest.advanceTimersByTimeAsync(30_000);
  expect(lines).toHaveLength(5);
});

test('a failing step says so with its time and passes the error on', async () => {
  const lines: string[] = [];
  const step = withHeartbeat({ name: 'kafka', doing: 'resolving', log: (m) => lines.push(m) }, async () => {
    await new Promise((r) => setTimeout(r, 12_000));
    throw new Error('mvn exited 1');
  });
  const settled = expect(step).rejects.toThrow('mvn exited 1');
  await jest.advanceTimersByTimeAsync(12_000);
  await settled;
  expect(lines).toEqual(['kafka: resolving...', 'kafka: still resolving (10 s)', 'kafka: resolving failed after 12 s']);
});

test('elapsed times read as a person reads them', () => {
  expect([formatElapsed(9_999), formatElapsed(60_000), formatElapsed(185_000)]).toEqual(['9 s', '1 min 00 s', '3 min 05 s']);
});
