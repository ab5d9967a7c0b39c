import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileIsWanted, markFileWanted, wantedMarkerPath, withdrawFileWanted } from '../../../functions/loader/wantedMarker';
import { withLockRetry } from '../../../functions/loader/lockRetry';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const warehouse = () => join(mkdtempSync(join(tmpdir(), 'wanted-')), 'banking.duckdb');

test('whoever got the file withdraws its own marker, never another waiter’s', () => {
  const path = warehouse();
  markFileWanted(path);
  expect(fileIsWanted(path)).toBe(false); // our own marker does not make us let go
  withdrawFileWanted(path);
  expect(existsSync(wantedMarkerPath(path))).toBe(false);
  writeFileSync(wantedMarkerPath(path), 'dbt:4242\n');
  withdrawFileWanted(path);
  expect(fileIsWanted(path)).toBe(true);
});

test('a reader that waited out the lock withdraws its marker once it has the file', async () => {
  const path = warehouse();
  let tries = 0;
  const opened = await withLockRetry(
    path,
    async () => {
      if (++tries < 3) throw new Error('IO Error: Could not set lock on file: Conflicting lock is held in node (PID 1)');
      expect(existsSync(wantedMarkerPath(path))).toBe(true); // asked while waiting
      return 'file';
    },
    quiet,
    { timeoutMs: 5000, initialDelayMs: 1, sleep: async () => undefined },
  );
  expect(opened).toBe('file');
  expect(existsSync(wantedMarkerPath(path))).toBe(false);
});
