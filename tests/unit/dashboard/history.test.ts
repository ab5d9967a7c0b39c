import { History } from '../../../infra/local/dashboard/history';

describe('History', () => {
  test('rates are per second over the last ~10 s of cumulative counts', () => {
    const h = new History();
    for (let i = 0; i <= 10; i++) h.add(1_000_000 + i * 2000, { loaded: i * 100 });
    // 5 samples back = 10 s, 500 more rows: 50 rows/s
    expect(h.rate('loaded')).toBe(50);
  });

  test('a count that went down (statistics reset) gives no rate, not a negative one', () => {
    const h = new History();
    h.add(0, { generated: 500 });
    h.add(2000, { generated: 10 });
    expect(h.rate('generated')).toBeNull();
  });

  test('a missing figure gives no rate; too few samples give none', () => {
    const h = new History();
    expect(h.rate('x')).toBeNull();
    h.add(0, { x: null });
    h.add(2000, { x: 5 });
    expect(h.rate('x')).toBeNull();
  });

  test('columns: times in seconds, each point a rate over the window before it, levels as they are', () => {
    const h = new History();
    for (let i = 0; i <= 6; i++) h.add(i * 2000, { captured: i * 40, lag: 7 - i });
    const c = h.columns(['captured'], ['lag']);
    expect(c.t).toEqual([0, 2, 4, 6, 8, 10, 12]);
    expect(c.series.captured).toEqual([null, 20, 20, 20, 20, 20, 20]);
    expect(c.series.lag).toEqual([7, 6, 5, 4, 3, 2, 1]);
  });

  test('samples older than the window are dropped', () => {
    const h = new History(10_000);
    for (let i = 0; i < 20; i++) h.add(i * 1000, { n: i });
    expect(h.columns([], ['n']).t).toEqual([9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  });
});
