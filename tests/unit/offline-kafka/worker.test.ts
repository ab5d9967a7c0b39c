/**
 * PartitionWorker without Kafka: a recording invoke and commit stand in for the function and the
 * consumer group, so the delivery rules (split, order, retry, commit-after-success, one in flight,
 * window, refetch de-duplication, stop) are checked in isolation. The real-Kafka version is in
 * tests/integration/offline-kafka.test.ts.
 */
import type { LambdaKafkaEvent, SourceMessage } from '../../../infra/local/offline-kafka/event';
import type { SourceLogger } from '../../../infra/local/offline-kafka/log';
import { PartitionWorker, type BatchInfo } from '../../../infra/local/offline-kafka/partition';

const quiet: SourceLogger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

const msgs = (from: number, to: number): SourceMessage[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({
    offset: String(from + i),
    timestamp: String(1_700_000_000_000 + from + i),
    key: Buffer.from(`k${from + i}`),
    value: Buffer.from(`v${from + i}`),
  }));

function harness(
  opts: {
    batchSize?: number;
    windowMs?: number;
    failFirst?: number;
    invokeMs?: number;
    highWater?: number;
    maxEventBytes?: number;
  } = {},
) {
  const calls: Array<{ info: BatchInfo; offsets: number[]; committedBefore: string[] }> = [];
  const commits: string[] = [];
  const pauses: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let failures = opts.failFirst ?? 0;
  const worker = new PartitionWorker({
    topic: 't',
    partition: 0,
    batchSize: opts.batchSize ?? 10,
    windowMs: opts.windowMs ?? 0,
    meta: { kind: 'SelfManagedKafka', bootstrapServers: '127.0.0.1:9092' },
    retry: { initialDelayMs: 5, maxDelayMs: 20 },
    invoke: async (event: LambdaKafkaEvent, info: BatchInfo) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        calls.push({ info, offsets: (event.records['t-0'] ?? []).map((r) => r.offset), committedBefore: [...commits] });
        if (opts.invokeMs) await new Promise((r) => setTimeout(r, opts.invokeMs));
        if (failures > 0) {
          failures--;
          throw new Error('boom');
        }
      } finally {
        inFlight--;
      }
    },
    commit: async (offset) => {
      commits.push(offset);
    },
    pause: () => pauses.push('pause'),
    resume: () => pauses.push('resume'),
    highWater: opts.highWater ?? 1000,
    maxEventBytes: opts.maxEventBytes ?? 6 * 1024 * 1024,
    log: quiet,
    label: 'test',
  });
  return { worker, calls, commits, pauses, maxInFlight: () => maxInFlight };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('PartitionWorker', () => {
  it('splits a backlog into batches of at most batchSize, in order, and commits after each', async () => {
    const h = harness({ batchSize: 10, invokeMs: 2 });
    h.worker.start();
    h.worker.push(msgs(0, 24));
    await until(() => h.commits.length === 3);
    await h.worker.stop();
    expect(h.calls.map((c) => c.offsets.length)).toEqual([10, 10, 5]);
    expect(h.calls.flatMap((c) => c.offsets)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(h.commits).toEqual(['10', '20', '25']);
    expect(h.maxInFlight()).toBe(1);
  });

  it('retries a failed batch, same records, and commits only after it succeeds', async () => {
    const h = harness({ batchSize: 5, failFirst: 2 });
    h.worker.start();
    h.worker.push(msgs(100, 104));
    await until(() => h.commits.length === 1);
    await h.worker.stop();
    expect(h.calls.map((c) => c.info.attempt)).toEqual([1, 2, 3]);
    expect(h.calls.map((c) => c.offsets)).toEqual([
      [100, 101, 102, 103, 104],
      [100, 101, 102, 103, 104],
      [100, 101, 102, 103, 104],
    ]);
    expect(h.calls.every((c) => c.committedBefore.length === 0)).toBe(true);
    expect(h.commits).toEqual(['105']);
  });

  it('waits the batching window to fill a batch, then delivers what it has', async () => {
    const h = harness({ batchSize: 100, windowMs: 150 });
    h.worker.start();
    const t0 = Date.now();
    h.worker.push(msgs(0, 1));
    await new Promise((r) => setTimeout(r, 50));
    h.worker.push(msgs(2, 3));
    await until(() => h.calls.length === 1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(h.calls[0]?.offsets).toEqual([0, 1, 2, 3]);
    await h.worker.stop();
  });

  it('does not wait the window once batchSize is reached', async () => {
    const h = harness({ batchSize: 3, windowMs: 10_000 });
    h.worker.start();
    h.worker.push(msgs(0, 2));
    await until(() => h.calls.length === 1, 1000);
    expect(h.calls[0]?.offsets).toEqual([0, 1, 2]);
    await h.worker.stop();
  });

  it('drops records it already holds when they are fetched again (after a rebalance)', async () => {
    const h = harness({ batchSize: 100, windowMs: 50 });
    h.worker.start();
    h.worker.push(msgs(0, 4));
    h.worker.push(msgs(2, 6));
    await until(() => h.commits.length === 1);
    await h.worker.stop();
    expect(h.calls[0]?.offsets).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('stopped while waiting to retry, it leaves the batch uncommitted', async () => {
    const h = harness({ batchSize: 5, failFirst: 1000 });
    h.worker.start();
    h.worker.push(msgs(0, 4));
    await until(() => h.calls.length >= 2);
    await h.worker.stop();
    expect(h.commits).toEqual([]);
  });

  it('pauses fetching at the high-water mark and resumes when drained', async () => {
    const h = harness({ batchSize: 5, highWater: 10 });
    h.worker.push(msgs(0, 11));
    expect(h.pauses).toEqual(['pause']);
    h.worker.start();
    await until(() => h.commits.length === 3);
    await h.worker.stop();
    expect(h.pauses).toEqual(['pause', 'resume']);
  });

  it('cuts a batch whose event would exceed the payload limit', async () => {
    const h = harness({ batchSize: 8, maxEventBytes: 600 });
    h.worker.start();
    h.worker.push(msgs(0, 7));
    await until(() => h.commits.includes('8'));
    await h.worker.stop();
    expect(Math.max(...h.calls.map((c) => c.offsets.length))).toBeLessThan(8);
    expect(h.calls.flatMap((c) => c.offsets)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('behind the broker, sends full batches back to back with no window wait', async () => {
    const h = harness({ batchSize: 10, windowMs: 60_000 });
    h.worker.start();
    h.worker.push(msgs(0, 4), Date.now(), 30);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.calls).toHaveLength(0); // partial, and more is coming: topped up, not sent
    h.worker.push(msgs(5, 14), Date.now(), 30);
    await until(() => h.commits.includes('10'));
    expect(h.calls[0]!.offsets).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await h.worker.stop();
  });

  it('paused with the broker still ahead, sends what it holds without waiting out the window', async () => {
    const h = harness({ batchSize: 100, windowMs: 60_000, highWater: 6 });
    h.worker.start();
    h.worker.push(msgs(0, 6), Date.now(), 500);
    expect(h.pauses).toEqual(['pause']);
    await until(() => h.commits.includes('7'));
    expect(h.calls[0]!.offsets).toHaveLength(7);
    await h.worker.stop();
  });

  it('caught up, it waits for the window before sending a partial batch', async () => {
    const h = harness({ batchSize: 100, windowMs: 300 });
    h.worker.start();
    const pushed = Date.now();
    h.worker.push(msgs(0, 2), pushed, 3);
    await until(() => h.commits.includes('3'));
    expect(Date.now() - pushed).toBeGreaterThanOrEqual(290);
    await h.worker.stop();
  });
});
