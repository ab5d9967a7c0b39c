import { backoffDelay } from '../../../infra/local/offline-common/retry';
import { decideBatch } from '../../../infra/local/offline-kafka/batching';

describe('batching rules', () => {
  it.each([
    [
      'delivers a full batch as soon as batchSize records are buffered, whatever the window',
      { buffered: 700, batchSize: 500, windowMs: 5000, oldestArrivalMs: 1000, nowMs: 1001 },
      { kind: 'deliver', count: 500 },
    ],
    [
      'waits for the rest of the window when the batch is not full',
      { buffered: 3, batchSize: 500, windowMs: 5000, oldestArrivalMs: 1000, nowMs: 2500 },
      { kind: 'wait', ms: 3500 },
    ],
    [
      'delivers a partial batch once the oldest record has waited the whole window',
      { buffered: 3, batchSize: 500, windowMs: 5000, oldestArrivalMs: 1000, nowMs: 6000 },
      { kind: 'deliver', count: 3 },
    ],
  ] as const)('%s', (_rule, input, decision) => {
    expect(decideBatch(input)).toEqual(decision);
  });

  it('delivers at once with a zero window and waits indefinitely on an empty buffer', () => {
    expect(decideBatch({ buffered: 1, batchSize: 10, windowMs: 0, oldestArrivalMs: 5, nowMs: 5 })).toEqual({
      kind: 'deliver',
      count: 1,
    });
    expect(decideBatch({ buffered: 0, batchSize: 10, windowMs: 0, oldestArrivalMs: undefined, nowMs: 5 })).toEqual({
      kind: 'wait',
      ms: Infinity,
    });
  });

  it('with a backlog, tops a partial batch up from the next fetch instead of waiting out the window', () => {
    const base = { buffered: 1216, batchSize: 10_000, windowMs: 5000, oldestArrivalMs: 1000, nowMs: 1001 };
    // More on the broker, fetching on: wait, but only until the next fetch wakes us (never past the window).
    expect(decideBatch({ ...base, behind: true, paused: false })).toEqual({ kind: 'wait', ms: 4999 });
    // More on the broker but fetching paused (buffer full): nothing more will come, deliver now.
    expect(decideBatch({ ...base, behind: true, paused: true })).toEqual({ kind: 'deliver', count: 1216 });
  });

  it('with a backlog, the window counts from the last fetch, not from records buffered long ago', () => {
    const base = { buffered: 1300, batchSize: 10_000, windowMs: 500, oldestArrivalMs: 0, nowMs: 10_000, behind: true };
    expect(decideBatch({ ...base, lastPushMs: 9_900 })).toEqual({ kind: 'wait', ms: 400 });
    expect(decideBatch({ ...base, lastPushMs: 9_000 })).toEqual({ kind: 'deliver', count: 1300 });
  });

  it('delivers at once when the buffer holds more than one event can carry', () => {
    expect(
      decideBatch({ buffered: 9000, batchSize: 10_000, windowMs: 5000, oldestArrivalMs: 1000, nowMs: 1001, fitting: 6200 }),
    ).toEqual({ kind: 'deliver', count: 6200 });
  });

  it('backs off exponentially up to the cap', () => {
    const policy = { initialDelayMs: 500, maxDelayMs: 30_000 };
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map((a) => backoffDelay(a, policy))).toEqual([
      500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
  });
});
