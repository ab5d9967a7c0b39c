/**
 * S3EventSource with an in-memory bucket (injected lister) and invoker, on real timers with short
 * intervals: sweep batching, new-object detection by key + ETag, filters, retries with backoff
 * until success, nothing dropped, and the in-flight limit.
 */
import type { SourceLogger } from '../../../infra/local/offline-common/log';
import { decodeFormEncodedKey, type S3Event, type S3ObjectInfo } from '../../../infra/local/offline-s3/event';
import type { ListFn } from '../../../infra/local/lib/s3List';
import {
  S3EventSource,
  summariseKeys,
  type DeliveryInfo,
  type S3EventSourceOptions,
} from '../../../infra/local/offline-s3/source';

class FakeBucket {
  readonly objects = new Map<string, S3ObjectInfo>();
  #clock = Date.UTC(2026, 0, 1);
  listings = 0;
  failNextListings = 0;
  put(key: string, eTag = `etag-${key}`): void {
    this.#clock += 1000;
    this.objects.set(key, { key, size: key.length, eTag, lastModified: new Date(this.#clock) });
  }
  readonly list: ListFn = async (_bucket, prefix) => {
    this.listings++;
    if (this.failNextListings > 0) {
      this.failNextListings--;
      throw new Error('connect ECONNREFUSED 127.0.0.1:9000');
    }
    // Keys in S3's listing order (lexicographic), not creation order.
    return [...this.objects.values()].filter((o) => !prefix || o.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : 1));
  };
}

interface Call {
  keys: string[];
  info: DeliveryInfo;
}

function recorder(): SourceLogger & { lines: string[] } {
  const lines: string[] = [];
  const rec = (level: string) => (m: string) => lines.push(`${level} ${m}`);
  return { lines, info: rec('info'), warn: rec('warn'), error: rec('error'), debug: rec('debug') };
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const keysOf = (event: S3Event) => event.Records.map((r) => decodeFormEncodedKey(r.s3.object.key));

describe('S3EventSource', () => {
  let bucket: FakeBucket;
  let calls: Call[];
  let source: S3EventSource | undefined;
  let log: ReturnType<typeof recorder>;

  beforeEach(() => {
    bucket = new FakeBucket();
    calls = [];
    log = recorder();
  });
  afterEach(async () => {
    await source?.stop();
    source = undefined;
  });

  const start = (o: Partial<S3EventSourceOptions> = {}) => {
    source = new S3EventSource({
      bucket: 'b',
      list: bucket.list,
      invoke: async (event, info) => {
        calls.push({ keys: keysOf(event), info });
      },
      pollIntervalMs: 5,
      retry: { initialDelayMs: 5, maxDelayMs: 40 },
      logger: log,
      label: 'loadObject',
      ...o,
    });
    source.start();
    return source;
  };
  const delivered = () => calls.flatMap((c) => c.keys);

  it('sweeps existing objects once, in batches of sweepBatchSize, oldest first', async () => {
    for (let i = 0; i < 250; i++) bucket.put(`t/${String(249 - i).padStart(3, '0')}.parquet`);
    const s = start({ sweepBatchSize: 100 });
    await waitFor(() => delivered().length === 250, 'the sweep');
    await waitFor(() => bucket.listings >= 5, 'more polls');
    expect(calls.map((c) => c.keys.length)).toEqual([100, 100, 50]);
    expect(calls.every((c) => c.info.kind === 'sweep')).toBe(true);
    // Put order (by LastModified), not the listing's key order.
    expect(delivered()[0]).toBe('t/249.parquet');
    expect(delivered()[249]).toBe('t/000.parquet');
    expect(new Set(delivered()).size).toBe(250);
    expect(s.stats()).toMatchObject({ swept: 250, delivered: 250, invocations: 3, failures: 0 });
    expect(log.lines.some((l) => /sweep: 250 existing object\(s\) match of 250 listed/.test(l))).toBe(true);
  });

  it('then delivers only new objects, detected by key and ETag, in batches of batchSize', async () => {
    bucket.put('old.parquet');
    start({ batchSize: 2 });
    await waitFor(() => delivered().length === 1, 'the sweep');
    bucket.put('n1.parquet');
    bucket.put('n2.parquet');
    bucket.put('n3.parquet');
    await waitFor(() => delivered().length === 4, 'three new objects');
    expect(calls.slice(1).map((c) => c.info.kind)).toEqual(calls.slice(1).map(() => 'new'));
    expect(calls.slice(1).every((c) => c.keys.length <= 2)).toBe(true);
    // Same key, same ETag: nothing; same key, new ETag (an overwrite): delivered again.
    bucket.put('n1.parquet');
    bucket.put('n2.parquet', 'changed');
    await waitFor(() => delivered().length === 5, 'the overwritten object');
    const polls = bucket.listings;
    await waitFor(() => bucket.listings >= polls + 5, 'more polls');
    expect(delivered()).toEqual(['old.parquet', 'n1.parquet', 'n2.parquet', 'n3.parquet', 'n2.parquet']);
  });

  it('delivers an object new since the start after at most one more sweep batch', async () => {
    for (let i = 0; i < 5; i++) bucket.put(`old/${i}.parquet`);
    let release: () => void = () => undefined;
    const firstHeld = new Promise<void>((r) => (release = r));
    start({
      sweepBatchSize: 1,
      invoke: async (event, info) => {
        calls.push({ keys: keysOf(event), info });
        if (calls.length === 1) await firstHeld; // a slow first sweep invocation
      },
    });
    await waitFor(() => calls.length === 1, 'the first sweep batch');
    bucket.put('new/a.parquet');
    await waitFor(() => source!.stats().queuedObjects === 5, 'the new object to be queued');
    release();
    await waitFor(() => delivered().length === 6, 'everything');
    expect(delivered()).toEqual([
      'old/0.parquet',
      'new/a.parquet',
      'old/1.parquet',
      'old/2.parquet',
      'old/3.parquet',
      'old/4.parquet',
    ]);
    expect(calls[1]!.info.kind).toBe('new');
  });

  it('delivers an object once when overlapping listings return it twice in one poll', async () => {
    bucket.put('old.parquet');
    start({ list: async (b, p) => (await bucket.list(b, p)).flatMap((o) => [o, { ...o }]) });
    await waitFor(() => delivered().length >= 1, 'the sweep');
    bucket.put('n1.parquet');
    bucket.put('n2.parquet');
    await waitFor(() => delivered().length >= 3, 'the new objects');
    const polls = bucket.listings;
    await waitFor(() => bucket.listings >= polls + 5, 'more polls');
    expect(delivered()).toEqual(['old.parquet', 'n1.parquet', 'n2.parquet']);
  });

  it('delivers notified objects at once and once only; listings slow down while notifications flow', async () => {
    bucket.put('old.parquet');
    const s = start({ pollIntervalMs: 5, notifiedPollIntervalMs: 60_000, batchSize: 10, filters: { suffix: '.parquet' } });
    await waitFor(() => delivered().length === 1, 'the sweep');
    s.setNotificationsFlowing(true);
    await waitFor(() => bucket.listings >= 2, 'the listing on (re)connect');
    const listings = bucket.listings;
    bucket.put('n1.parquet');
    bucket.put('n2.txt');
    s.notify([bucket.objects.get('n1.parquet')!, bucket.objects.get('n2.txt')!]);
    s.notify([bucket.objects.get('n1.parquet')!]); // a notification repeated
    await waitFor(() => delivered().length === 2, 'the notified object');
    await new Promise((r) => setTimeout(r, 100));
    expect(bucket.listings).toBe(listings); // no listing ran meanwhile: the notification delivered it
    expect(delivered()).toEqual(['old.parquet', 'n1.parquet']); // the suffix filter applies to notifications too
    // The stream breaks: listings are what find objects, at the fast pace again.
    s.setNotificationsFlowing(false);
    bucket.put('lost.parquet');
    await waitFor(() => delivered().includes('lost.parquet'), 'an object whose notification was lost');
  });

  it('applies the prefix (in the listing) and suffix filters', async () => {
    for (const k of ['data/a.parquet', 'data/b.csv', 'other/c.parquet', 'data/_dlq.parquet.json']) bucket.put(k);
    const prefixes: Array<string | undefined> = [];
    start({
      filters: { prefix: 'data/', suffix: '.parquet' },
      list: (b, p) => {
        prefixes.push(p);
        return bucket.list(b, p);
      },
    });
    await waitFor(() => bucket.listings >= 3, 'a few polls');
    bucket.put('data/d.parquet');
    bucket.put('other/e.parquet');
    await waitFor(() => delivered().length === 2, 'the new match');
    const polls = bucket.listings;
    await waitFor(() => bucket.listings >= polls + 3, 'more polls');
    expect(delivered()).toEqual(['data/a.parquet', 'data/d.parquet']);
    expect(new Set(prefixes)).toEqual(new Set(['data/']));
  });

  it('retries a failed invocation with growing delays until it succeeds, and drops nothing', async () => {
    bucket.put('a.parquet');
    bucket.put('b.parquet');
    const attempts: Array<{ at: number; keys: string[]; attempt: number }> = [];
    let failuresLeft = 4;
    start({
      batchSize: 1,
      sweepBatchSize: 1,
      retry: { initialDelayMs: 20, maxDelayMs: 80 },
      invoke: async (event, info) => {
        attempts.push({ at: Date.now(), keys: keysOf(event), attempt: info.attempt });
        if (keysOf(event)[0] === 'a.parquet' && failuresLeft-- > 0) throw new Error('warehouse is locked');
        calls.push({ keys: keysOf(event), info });
      },
    });
    await waitFor(() => delivered().length === 2, 'both objects', 10_000);
    const a = attempts.filter((x) => x.keys[0] === 'a.parquet');
    expect(a.map((x) => x.attempt)).toEqual([1, 2, 3, 4, 5]);
    const gaps = a.slice(1).map((x, i) => x.at - a[i]!.at);
    // 20, 40, 80, 80 ms (capped); timers may fire late, never early.
    expect(gaps[0]).toBeGreaterThanOrEqual(19);
    expect(gaps[1]).toBeGreaterThanOrEqual(39);
    expect(gaps[2]).toBeGreaterThanOrEqual(79);
    expect(gaps[3]).toBeGreaterThanOrEqual(79);
    expect(gaps[3]).toBeLessThan(79 + 150);
    // The failing batch did not hold the other one up.
    expect(delivered().indexOf('b.parquet')).toBeLessThan(delivered().indexOf('a.parquet'));
    expect(source!.stats()).toMatchObject({ delivered: 2, failures: 4, queuedObjects: 0 });
    const failureLines = log.lines.filter((l) => l.startsWith('error') && l.includes('a.parquet'));
    expect(failureLines).toHaveLength(4);
    expect(failureLines[0]).toMatch(
      /invocation failed for sweep 1 object\(s\) a\.parquet \(attempt 1, \d+ ms\): warehouse is locked; retrying in 20 ms/,
    );
  });

  it('keeps at most maxInFlight invocations running', async () => {
    for (let i = 0; i < 12; i++) bucket.put(`k${String(i).padStart(2, '0')}.parquet`);
    let running = 0;
    let peak = 0;
    const invoke = async (event: S3Event, info: DeliveryInfo) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 15));
      running--;
      calls.push({ keys: keysOf(event), info });
    };
    start({ sweepBatchSize: 1, maxInFlight: 3, invoke });
    await waitFor(() => delivered().length === 12, 'all objects');
    expect(peak).toBe(3);
    await source!.stop();

    calls = [];
    peak = 0;
    bucket.objects.clear();
    for (let i = 0; i < 5; i++) bucket.put(`m${i}.parquet`);
    start({ sweepBatchSize: 1, invoke });
    await waitFor(() => delivered().length === 5, 'all objects, one at a time');
    expect(peak).toBe(1);
  });

  it('survives listing failures and delivers once the bucket answers', async () => {
    bucket.put('a.parquet');
    bucket.failNextListings = 3;
    start();
    await waitFor(() => delivered().length === 1, 'the object after the outage');
    expect(log.lines.filter((l) => /cannot list s3:\/\/b \(failure 1\): connect ECONNREFUSED/.test(l))).toHaveLength(1);
    expect(log.lines.some((l) => /listing s3:\/\/b works again/.test(l))).toBe(true);
  });

  it('stop() waits for the invocation in flight and starts nothing new; a restart sweeps again', async () => {
    for (let i = 0; i < 3; i++) bucket.put(`s${i}.parquet`);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started = 0;
    start({
      sweepBatchSize: 1,
      invoke: async (event, info) => {
        started++;
        await gate;
        calls.push({ keys: keysOf(event), info });
      },
    });
    await waitFor(() => started === 1, 'the first invocation');
    let stopped = false;
    const stopping = source!.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(started).toBe(1);
    expect(delivered()).toEqual(['s0.parquet']);
    expect(log.lines.some((l) => /stopped with 2 object\(s\) not yet delivered; the next start sweeps them/.test(l))).toBe(true);

    // A new source (a restart) has no memory: it sweeps everything, the consumer's ledger dedupes.
    start({ sweepBatchSize: 10 });
    await waitFor(() => delivered().length === 4, 'the re-sweep');
    expect(delivered().slice(1)).toEqual(['s0.parquet', 's1.parquet', 's2.parquet']);
  });

  it('forgets deleted objects, so a new object under the same key is delivered', async () => {
    bucket.put('x.parquet', 'same');
    start();
    await waitFor(() => delivered().length === 1, 'the sweep');
    bucket.objects.delete('x.parquet');
    const polls = bucket.listings;
    await waitFor(() => bucket.listings >= polls + 2, 'a poll without it');
    bucket.put('x.parquet', 'same');
    await waitFor(() => delivered().length === 2, 'the re-created object');
  });

  it('rejects nonsense settings', () => {
    const base = { bucket: 'b', list: bucket.list, invoke: async () => undefined };
    expect(() => new S3EventSource({ ...base, batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
    expect(() => new S3EventSource({ ...base, maxInFlight: 1.5 })).toThrow(/maxInFlight/);
  });

  it('summarises long key lists in log lines', () => {
    expect(summariseKeys(['a', 'b'])).toBe('a, b');
    expect(summariseKeys(['a', 'b', 'c', 'd', 'e'])).toBe('a, b ... e');
  });
});

describe('S3EventSource watchdogs', () => {
  it('says so while an invocation runs long', async () => {
    const log = recorder();
    const bucket = new FakeBucket();
    bucket.put('slow.parquet');
    let done = false;
    const source = new S3EventSource({
      bucket: 'b',
      list: bucket.list,
      pollIntervalMs: 5,
      slowInvocationLogMs: 20,
      logger: log,
      invoke: async () => {
        await new Promise((r) => setTimeout(r, 75));
        done = true;
      },
    });
    source.start();
    await waitFor(() => done, 'the slow invocation');
    await source.stop();
    const slow = log.lines.filter((l) =>
      /still waiting for the invocation with sweep 1 object\(s\) slow\.parquet after \d+ ms/.test(l),
    );
    expect(slow.length).toBeGreaterThanOrEqual(2);
  });
});
