/**
 * The pipeline bench's step verdict, on step figures recorded by `npm run bench` (2026-12-05,
 * bench/results/latest.json at 26bdd6d) and by the run issue 28 reports (2026-12-06).
 */
import type { Latency } from '../../../bench/pipeline/measure';
import {
  LAG_GROWTH_TOLERANCE_MS,
  P99_BOUND_MS,
  stepVerdict,
  timeToSteady,
  type StepFigures,
} from '../../../bench/pipeline/verdict';

const lat = (p50: number, p99: number, rows = 1000): Latency => ({ rows, p50, p90: p99, p99, max: p99 });

/** A step's figures; the middle third, not recorded before issue 28, is the nearer of its neighbours' worse one. */
function figures(o: {
  target: number;
  achieved: number;
  rows: number;
  drainMs: number;
  first: Latency;
  middle?: Latency;
  last: Latency;
}): StepFigures {
  const middle = o.middle ?? (o.first.p99 >= o.last.p99 ? o.first : o.last);
  return {
    targetChangesPerSec: o.target,
    achievedChangesPerSec: o.achieved,
    generatedChanges: o.rows,
    rawRows: o.rows,
    drainMs: o.drainMs,
    maxDrainMs: 30_000,
    thirds: [o.first, middle, o.last],
  };
}

describe('stepVerdict', () => {
  it("calls the issue's cold 8k step (p50 18 s, growing 13.5 -> 18.8 s) not sustained, naming p99 and lag", () => {
    // Only the whole step's p99 (21,250 ms) and the thirds' p50 were printed; a third's p99 is at least its p50.
    const v = stepVerdict(
      figures({
        target: 8000,
        achieved: 7954,
        rows: 240_120,
        drainMs: 18_000,
        first: lat(13_534, 13_534),
        middle: lat(18_468, 18_468),
        last: lat(18_761, 21_250),
      }),
    );
    expect(v.sustained).toBe(false);
    expect(v.failed).toEqual(['p99', 'lag']);
    expect(v.text).toContain('p99 over 5.0 s in the first third (13.5 s), middle third (18.5 s), last third (21.3 s)');
    expect(v.text).toContain('lag grew 5.2 s (> 1.5 s): p50 13.5 s -> 18.8 s');
  });

  it("calls the issue's 12k step (p50 1.7 -> 12.5 s) not sustained", () => {
    const v = stepVerdict(
      // Again only the thirds' p50 were printed: each third's p99 is taken at its p50, the least it can be.
      figures({
        target: 12_000,
        achieved: 11_835,
        rows: 355_050,
        drainMs: 11_600,
        first: lat(1745, 1745),
        last: lat(12_474, 12_474),
      }),
    );
    expect(v.failed).toEqual(['p99', 'lag']);
  });

  it("calls the issue's 10k step (p99 2.0 s, p50 0.96 -> 1.11 s) sustained", () => {
    // The whole step's p99 stands for each third's (not printed).
    const v = stepVerdict(
      figures({ target: 10_000, achieved: 9958, rows: 299_400, drainMs: 3000, first: lat(957, 1999), last: lat(1109, 1999) }),
    );
    expect(v).toEqual({ sustained: true, failed: [], text: 'sustained' });
  });

  it('calls the recorded inline 8k step not sustained: first third p99 5.25 s, lag 2.05 -> 6.13 s', () => {
    const v = stepVerdict(
      figures({ target: 8000, achieved: 7768, rows: 233_512, drainMs: 6778, first: lat(2053, 5250), last: lat(6125, 9018) }),
    );
    expect(v.failed).toEqual(['p99', 'lag']);
    expect(v.text).toMatch(/first third \(5\.3 s\)/);
  });

  it.each([
    [
      'inline 1k (p50 0.79 -> 1.44 s: the generator commits once a second)',
      1000,
      968,
      29_043,
      3345,
      lat(791, 1792),
      lat(1439, 1776),
    ],
    ['inline 6k', 6000, 5850, 175_848, 3439, lat(1218, 2341), lat(921, 1884)],
    ['schema-less 10k', 10_000, 9642, 290_190, 1390, lat(892, 3089), lat(993, 1566)],
  ])('calls the recorded %s step sustained', (_name, target, achieved, rows, drainMs, first, last) => {
    expect(stepVerdict(figures({ target, achieved, rows, drainMs, first, last })).sustained).toBe(true);
  });

  it('holds p99 to the bound in the middle third too', () => {
    const v = stepVerdict(
      figures({
        target: 6000,
        achieved: 5900,
        rows: 100,
        drainMs: 2000,
        first: lat(900, 2000),
        middle: lat(2000, 5600),
        last: lat(950, 2100),
      }),
    );
    expect(v.failed).toEqual(['p99']);
    expect(v.text).toBe('p99 over 5.0 s in the middle third (5.6 s)');
  });

  it('uses a fixed lag tolerance, not one that grows with the lag', () => {
    const grew = (from: number) =>
      stepVerdict(
        figures({
          target: 5000,
          achieved: 5000,
          rows: 100,
          drainMs: 2000,
          first: lat(from, 4000),
          last: lat(from + LAG_GROWTH_TOLERANCE_MS + 100, 4900),
        }),
      ).failed;
    expect(grew(500)).toEqual(['lag']);
    expect(grew(3000)).toEqual(['lag']);
    expect(LAG_GROWTH_TOLERANCE_MS).toBeLessThan(P99_BOUND_MS);
  });

  it('names rows missing from RAW, a drain that never ended or took too long, and a load short of its target', () => {
    const base = figures({ target: 8000, achieved: 7000, rows: 100, drainMs: -1, first: lat(900, 2000), last: lat(900, 2000) });
    const v = stepVerdict({ ...base, rawRows: 90 });
    expect(v.failed).toEqual(['complete', 'drained', 'load']);
    expect(v.text).toBe('only 90/100 rows reached RAW; did not drain; the load reached only 7000 changes/s');
    expect(stepVerdict({ ...base, achievedChangesPerSec: 7900, drainMs: 31_000 }).text).toBe('drain took 31.0 s (> 30.0 s)');
  });
});

describe('timeToSteady', () => {
  const w = (fromMs: number, p99: number, rows = 100) => ({ fromMs, rows, p99 });

  it('is 0 when every window is within the bound', () => {
    expect(timeToSteady([w(0, 4000), w(5000, 1000), w(10_000, 900)])).toBe(0);
  });

  it('is the start of the window after the last one over the bound', () => {
    expect(timeToSteady([w(0, 18_000), w(5000, 4000), w(10_000, 6000), w(15_000, 1200), w(20_000, 1100)])).toBe(15_000);
  });

  it('is null when the last window is over the bound, or there are no windows', () => {
    expect(timeToSteady([w(0, 1000), w(5000, 5001)])).toBeNull();
    expect(timeToSteady([])).toBeNull();
  });

  it('counts a window with no rows as steady and reads windows in time order', () => {
    expect(timeToSteady([w(10_000, 800), w(0, 9000), w(5000, 0, 0)])).toBe(5000);
  });
});
