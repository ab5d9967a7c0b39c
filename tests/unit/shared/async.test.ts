import { backoffDelay, mapBounded, settleAllBounded, sleep } from '../../../functions/shared/async';

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

test('mapBounded resolves with the results in the items order, at most `limit` in flight', async () => {
  let inFlight = 0;
  let most = 0;
  const out = await mapBounded([5, 1, 4, 2, 3], 2, async (n) => {
    most = Math.max(most, ++inFlight);
    await sleep(n);
    inFlight--;
    return n * 10;
  });
  expect(out).toEqual([50, 10, 40, 20, 30]);
  expect(most).toBe(2);
  expect(await mapBounded([], 4, async () => 1)).toEqual([]);
});

test('mapBounded rejects with the first failure in time, starts nothing after it, and leaves nothing running', async () => {
  const started: number[] = [];
  const finished: number[] = [];
  const first = new Error('item 1 failed first');
  const run = mapBounded([0, 1, 2, 3, 4], 2, async (i) => {
    started.push(i);
    // item 0 fails later than item 1: the call rejects with item 1's error, not the earlier item's
    await sleep(i === 0 ? 30 : 1);
    finished.push(i);
    if (i === 0) throw new Error('item 0 failed second');
    if (i === 1) throw first;
    return i;
  });
  await expect(run).rejects.toBe(first);
  expect(started).toEqual([0, 1]);
  // item 0, in flight when item 1 failed, had finished before the call rejected
  expect(finished.sort()).toEqual([0, 1]);
});

test('sleep ends early, without an error, when its signal aborts', async () => {
  const ctl = new AbortController();
  const t0 = Date.now();
  const waiting = sleep(10_000, { signal: ctl.signal });
  ctl.abort();
  await waiting;
  expect(Date.now() - t0).toBeLessThan(5_000);
});
