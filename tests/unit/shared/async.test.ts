import { backoffDelay, settleAllBounded, sleep } from '../../../functions/shared/async';

test('backoffDelay doubles from initial, capped at max; jitter takes a random share off', () => {
  const b = { initialMs: 100, maxMs: 1000 };
  expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, b))).toEqual([100, 200, 400, 800, 1000, 1000]);
  expect(backoffDelay(0, b)).toBe(100);
  expect(backoffDelay(3, { ...b, jitter: 0.5 }, () => 1)).toBe(200);
  expect(backoffDelay(3, { ...b, jitter: 0.5 }, () => 0)).toBe(400);
});

test('settleAllBounded keeps at most `limit` in flight and settles every item in order', async () => {
  let inFlight = 0;
  let most = 0;
  const results = await settleAllBounded([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
    most = Math.max(most, ++inFlight);
    await sleep(5);
    inFlight--;
    if (n % 3 === 0) throw new Error(`bad ${n}`);
  });
  expect(most).toBe(3);
  expect(results.map((r) => r.status)).toEqual([
    'fulfilled',
    'fulfilled',
    'rejected',
    'fulfilled',
    'fulfilled',
    'rejected',
    'fulfilled',
  ]);
});

test('sleep ends early, without an error, when its signal aborts', async () => {
  const ctl = new AbortController();
  const t0 = Date.now();
  const waiting = sleep(10_000, { signal: ctl.signal });
  ctl.abort();
  await waiting;
  expect(Date.now() - t0).toBeLessThan(5_000);
});
