/**
 * Two loaders on one DuckDB file, as serverless-offline's worker threads are: one that reopens
 * the file batch after batch (a sweep) must let a waiting one in, not win every race for the
 * writer mutex (measured before: fresh loads waited 50-60 s behind a sweep).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { duckdbWarehouse } from '../../../functions/loader/duckdbWarehouse';
import { compiledMutex } from './compiledMutex';
import { recordingLog } from './fixtures';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wh-handover-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// A loader thread that waits for the writer mutex and, as duckdbWarehouse does, says it wants the
// file, and withdraws that once it has it.
const waiter = `
  const { workerData, parentPort, threadId } = require('node:worker_threads');
  const fs = require('node:fs');
  const { acquireWriterMutex } = require(workerData.mod);
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const wanted = () => fs.writeFileSync(workerData.path + '.wanted', process.pid + ':' + threadId + '\\n');
  parentPort.postMessage('waiting');
  acquireWriterMutex(workerData.path + '.writer-lock', quiet, { timeoutMs: 20000, onWait: wanted }).then((release) => {
    fs.rmSync(workerData.path + '.wanted', { force: true }); // got it: the marker is withdrawn
    parentPort.postMessage('got it');
    release();
  });
`;

it('a loader that reopens batch after batch hands the file to a thread waiting for it', async () => {
  const path = join(dir, 'banking.duckdb');
  const sweeper = duckdbWarehouse({
    path,
    log: recordingLog(),
    lock: { timeoutMs: 20_000, initialDelayMs: 20 },
    keepOpenMs: 60_000,
    maxHoldMs: 60_000,
  });
  const events: string[] = [];
  let session = await sweeper.open();
  const worker = new Worker(waiter, { eval: true, workerData: { path, mod: compiledMutex() } });
  const done = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: string) => {
      if (m === 'got it') {
        events.push('fresh');
        resolve();
      }
    });
    worker.once('error', reject);
  });
  await new Promise((r) => setTimeout(r, 400)); // the thread is waiting by now
  for (let batch = 1; batch <= 5; batch++) {
    await session.close(); // someone wants the file: released, not kept open
    session = await sweeper.open(); // the next batch at once
    events.push(`sweep ${batch}`);
  }
  await session.close();
  await sweeper.release();
  await done;
  await worker.terminate();
  expect(events[0]).toBe('fresh');
}, 30_000);
