import { mkdtempSync, writeFileSync, existsSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { acquireWriterMutex } from '../../../functions/loader/writerMutex';
import { compiledMutex } from './compiledMutex';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const dir = () => mkdtempSync(join(tmpdir(), 'mutex-'));

test('excludes concurrent holders: the second waits for the first to release', async () => {
  const file = join(dir(), 'w.lock');
  const order: string[] = [];
  const release1 = await acquireWriterMutex(file, quiet, { timeoutMs: 5000 });
  const second = acquireWriterMutex(file, quiet, { timeoutMs: 5000 }).then((rel) => {
    order.push('second acquired');
    rel();
  });
  await new Promise((r) => setTimeout(r, 200));
  order.push('first releases');
  release1();
  await second;
  expect(order).toEqual(['first releases', 'second acquired']);
  expect(existsSync(file)).toBe(false);
});

test('a lock file still being written (empty) is not mistaken for a stale one', async () => {
  const file = join(dir(), 'w.lock');
  writeFileSync(file, '');
  await expect(acquireWriterMutex(file, quiet, { timeoutMs: 300 })).rejects.toThrow(/still held/);
});

test('a lock left by a dead process is taken over', async () => {
  const file = join(dir(), 'w.lock');
  writeFileSync(file, '999999999:0:2026-01-01T00:00:00Z');
  const release = await acquireWriterMutex(file, quiet, { timeoutMs: 1000 });
  release();
});

test('a held lock is kept fresh, so it is never taken over while its holder lives', async () => {
  const file = join(dir(), 'w.lock');
  const release = await acquireWriterMutex(file, quiet, { timeoutMs: 1000 });
  const old = new Date(Date.now() - 60_000);
  utimesSync(file, old, old);
  await new Promise((r) => setTimeout(r, 5_500)); // one heartbeat
  await expect(acquireWriterMutex(file, quiet, { timeoutMs: 300, staleMs: 30_000 })).rejects.toThrow(/still held/);
  release();
}, 15_000);

test('a lock older than staleMs is taken over', async () => {
  const file = join(dir(), 'w.lock');
  writeFileSync(file, `${process.pid}:1:x`);
  const old = new Date(Date.now() - 60_000);
  utimesSync(file, old, old);
  const release = await acquireWriterMutex(file, quiet, { timeoutMs: 1000, staleMs: 30_000 });
  release();
});

test('worker threads of one process take turns', async () => {
  const file = join(dir(), 'w.lock');
  const log = join(dir(), 'log.txt');
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    const fs = require('node:fs');
    const { acquireWriterMutex } = require(workerData.mod);
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    (async () => {
      for (let i = 0; i < 20; i++) {
        const rel = await acquireWriterMutex(workerData.file, quiet, { timeoutMs: 20000 });
        fs.appendFileSync(workerData.log, 'in\\n');
        await new Promise((r) => setTimeout(r, 2));
        fs.appendFileSync(workerData.log, 'out\\n');
        rel();
      }
      parentPort.postMessage('done');
    })();
  `;
  const mod = compiledMutex();
  const runs = [1, 2, 3].map(
    () =>
      new Promise<void>((resolve, reject) => {
        const w = new Worker(code, { eval: true, workerData: { file, log, mod } });
        w.once('message', () => resolve());
        w.once('error', reject);
      }),
  );
  await Promise.all(runs);
  const lines = require('node:fs').readFileSync(log, 'utf8').trim().split('\n');
  expect(lines).toHaveLength(120);
  // strictly alternating: never two holders at once
  lines.forEach((l: string, i: number) => expect(l).toBe(i % 2 === 0 ? 'in' : 'out'));
}, 30_000);
