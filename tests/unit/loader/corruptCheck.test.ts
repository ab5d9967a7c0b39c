/**
 * "Corrupt" is decided by re-reading the object, never by the error's text: a transient error
 * that names the file is retried (and the object loaded), a really broken object is recorded.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeParquet } from '../../../functions/writer';
import { parquetProblem, recheckCorrupt } from '../../../functions/loader/corruptCheck';
import { CorruptObjectError } from '../../../functions/loader/errors';
import { type LoadResult } from '../../../functions/loader/port';
import { ServiceError } from '../../../functions/shared/errors';
import { sampleRows } from './fixtures';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const dir = mkdtempSync(join(tmpdir(), 'corrupt-check-'));
const write = (name: string, bytes: Uint8Array) => {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
};
const good = encodeParquet('accounts', sampleRows('accounts', 50));
// What DuckDB said once about a file that was fine (seen: a transient IO error naming the file).
const ioError = new CorruptObjectError('accounts/x.parquet', 'IO Error: Could not read from file "accounts+0+1-50.parquet"');

test('a file written by the lake encoder reads whole with the expected columns', async () => {
  expect(await parquetProblem(write('good.parquet', good), 'accounts')).toBeNull();
});

test('truncated, garbled, or another table: each is named', async () => {
  expect(await parquetProblem(write('cut.parquet', good.slice(0, good.length - 20)), 'accounts')).toMatch(/not readable/);
  const garbled = Uint8Array.from(good);
  for (let i = 4; i < garbled.length / 2; i++) garbled[i] = 0xff;
  expect(await parquetProblem(write('garbled.parquet', garbled), 'accounts')).toMatch(/not readable|rows/);
  expect(await parquetProblem(write('other.parquet', good), 'customers')).toMatch(/columns differ from customers/);
});

test('a transient error on a valid file: loaded on the second attempt, not recorded', async () => {
  const file = write('again.parquet', good);
  const loads: string[] = [];
  const out = await recheckCorrupt(ioError, {
    table: 'accounts',
    log: quiet,
    download: async () => file,
    load: async (f): Promise<LoadResult> => {
      loads.push(f);
      return { status: 'loaded', rows: 50 };
    },
  });
  expect(out).toEqual({ status: 'loaded', result: { status: 'loaded', rows: 50 } });
  expect(loads).toEqual([file]);
});

test('a really corrupt object is recorded without a second load', async () => {
  const file = write('bad.parquet', good.slice(0, 100));
  let loads = 0;
  const out = await recheckCorrupt(ioError, {
    table: 'accounts',
    log: quiet,
    download: async () => file,
    load: async () => {
      loads++;
      return { status: 'loaded', rows: 0 };
    },
  });
  expect(out.status).toBe('corrupt');
  expect(loads).toBe(0);
});

test('valid file, same content error twice: recorded; valid file, the warehouse refuses: thrown (the event is retried)', async () => {
  const file = write('values.parquet', good);
  const constraint = new CorruptObjectError('k', 'Constraint Error: NOT NULL constraint failed');
  const twice = await recheckCorrupt(constraint, {
    table: 'accounts',
    log: quiet,
    download: async () => file,
    load: async () => {
      throw constraint;
    },
  });
  expect(twice).toEqual({ status: 'corrupt', reason: expect.stringMatching(/NOT NULL.*twice/) });
  await expect(
    recheckCorrupt(ioError, {
      table: 'accounts',
      log: quiet,
      download: async () => file,
      load: async () => {
        throw new ServiceError('warehouse', 'IO Error: disk full');
      },
    }),
  ).rejects.toThrow(/disk full/);
});
