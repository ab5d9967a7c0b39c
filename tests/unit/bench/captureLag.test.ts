import { captureLags, summariseCaptureLag } from '../../../bench/pipeline/captureLag';

describe('captureLags', () => {
  const commits = [
    { at: 1000, changes: 800 },
    { at: 1100, changes: 1600 },
    { at: 1200, changes: 2400 },
  ];

  it('is how long the oldest committed change not yet captured has waited', () => {
    const lags = captureLags(commits, [
      { at: 1000, captured: 0 },
      { at: 1500, captured: 800 },
      { at: 2000, captured: 2400 },
    ]);
    expect(lags).toEqual([
      { at: 1000, lagMs: 0 },
      { at: 1500, lagMs: 400 },
      { at: 2000, lagMs: 0 },
    ]);
  });

  it('ignores commits after the sample and sums up by third of the window', () => {
    const lags = captureLags(commits, [{ at: 1050, captured: 100 }]);
    expect(lags).toEqual([{ at: 1050, lagMs: 50 }]);
    expect(
      summariseCaptureLag(
        [
          { at: 0, lagMs: 10 },
          { at: 1500, lagMs: 700 },
          { at: 2500, lagMs: 30 },
          { at: 4000, lagMs: 90 },
        ],
        0,
        3000,
      ),
    ).toEqual({ maxMs: 700, byThirdMs: [10, 700, 30] });
  });
});
