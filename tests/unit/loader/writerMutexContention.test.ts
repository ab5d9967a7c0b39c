/**
 * The writer mutex under contention: several worker threads start at the same instant (a shared
 * barrier) against a stale lock left by a dead process. A shared counter of current holders must
 * never exceed one, and a release must never remove a lock its caller does not own.
 */
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { acquireWriterMutex } from '../../../functions/loader/writerMutex';
import { compiledMutex } from './compiledMutex';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const dir = () => mkdtempSync(join(tmpdir(), 'mutex-contention-'));

// Each worker waits at the barrier, then acquires, holds ~20 ms while counting holders, releases.
const workerCode = `
  const { workerData, parentPort } = require('node:worker_threads');
  const { acquireWriterMutex } = require(workerData.mod);
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const shared = new Int32Array(workerData.shared); // [0] barrier, [1] holders now, [2] max holders
  (async () => {
    Atomics.add(shared, 0, 1);
    while (Atomics.load(shared, 0) < workerData.threads) Atomics.wait(shared, 0, Atomics.load(shared, 0), 1);
    const release = await acquireWriterMutex(workerData.file, quiet, { timeoutMs: 20000, staleMs: 30000 });
    const now = Atomics.add(shared, 1, 1) + 1;
    for (;;) {
      const max = Atomics.load(shared, 2);
      if (now <= max || Atomics.compareExchange(shared, 2, max, now) === max) break;
    }
    await new Promise((r) => setTimeout(r, 20));
    Atomics.sub(shared, 1, 1);
    release();
    parentPort.postMessage('done');
  })().catch((err) => parentPort.postMessage(String(err)));
`;

async function round(mod: string, threads: number): Promise<number> {
  const file = join(dir(), 'w.lock');
  writeFileSync(file, '999999999:0:2026-01-01T00:00:00Z'); // left by a process that is gone
  const shared = new SharedArrayBuffer(12);
  const results = await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<string>((resolve, reject) => {
          const w = new Worker(workerCode, { eval: true, workerData: { file, mod, shared, threads } });
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  );
  expect(results).toEqual(Array(threads).fill('done'));
  expect(existsSync(file)).toBe(false);
  return new Int32Array(shared)[2]!;
}

test('six threads racing for a stale lock: never two holders at once', async () => {
  const mod = compiledMutex();
  const maxima: number[] = [];
  for (let i = 0; i < 8; i++) maxima.push(await round(mod, 6));
  expect(maxima).toEqual(Array(8).fill(1));
}, 60_000);

test('release removes only a lock its caller still owns', async () => {
  const file = join(dir(), 'w.lock');
  const release = await acquireWriterMutex(file, quiet, { timeoutMs: 1000 });
  // Someone else took the lock over meanwhile (as after a stale takeover).
  writeFileSync(file, '424242:7:someone-else');
  release();
  expect(readFileSync(file, 'utf8')).toBe('424242:7:someone-else');
});
