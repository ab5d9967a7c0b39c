/**
 * Each `sls offline` started by npm start, npm run e2e, the benches and the tests builds into a
 * serverless-esbuild work folder of its own (infra/local/cli/offline.ts), so that a serverless command
 * a user runs in the same checkout (which uses `.esbuild`) cannot delete it.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { offlineWorkFolder, removeStaleWorkFolders } from '../../../infra/local/cli/offline';

test('one work folder per start, named by the starting process, never the default .esbuild', () => {
  const a = offlineWorkFolder();
  const b = offlineWorkFolder();
  expect(a).toMatch(new RegExp(`^\\.esbuild-offline-${process.pid}-\\d+$`));
  expect(b).not.toBe(a);
  expect(offlineWorkFolder(42, 7)).toBe('.esbuild-offline-42-7');
});

test("a killed run's work folder is removed at the next start; a live run's and everyone else's stay", () => {
  const root = mkdtempSync(join(tmpdir(), 'offline-work-'));
  try {
    // Above Linux's highest pid_max (2^22): no such process.
    const dead = `.esbuild-offline-${2 ** 22 + 1}-1`;
    const live = `.esbuild-offline-${process.pid}-1`;
    for (const d of [dead, live, '.esbuild', '.esbuild-mine']) mkdirSync(join(root, d, '.build'), { recursive: true });
    writeFileSync(join(root, `.esbuild-offline-${2 ** 22 + 2}-3`), 'a file in the way');
    expect(removeStaleWorkFolders(root).sort()).toEqual([dead, `.esbuild-offline-${2 ** 22 + 2}-3`]);
    expect(readdirSync(root).sort()).toEqual(['.esbuild', '.esbuild-mine', live]);
    expect(existsSync(join(root, live, '.build'))).toBe(true);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a stale folder that cannot be removed (an orphaned sls offline still writes it) is skipped, not thrown (seen in the soak)', () => {
  const root = mkdtempSync(join(tmpdir(), 'offline-work-'));
  try {
    const busy = `.esbuild-offline-${2 ** 22 + 1}-2`;
    const dead = `.esbuild-offline-${2 ** 22 + 3}-1`;
    for (const d of [busy, dead]) mkdirSync(join(root, d, '.build'), { recursive: true });
    const remove = (p: string) => {
      if (p.endsWith(busy))
        throw Object.assign(new Error(`ENOTEMPTY: directory not empty, rmdir '${p}/.build'`), { code: 'ENOTEMPTY' });
      rmSync(p, { recursive: true, force: true });
    };
    expect(removeStaleWorkFolders(root, remove)).toEqual([dead]);
    expect(readdirSync(root)).toEqual([busy]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
