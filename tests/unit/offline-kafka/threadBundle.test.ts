/**
 * The event-source threads' bundle (infra/local/offline-kafka/threadBundle.ts) is per sls offline
 * process, so no serverless command run beside it touches it; one left by a killed process is
 * removed by the next.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleThread } from '../../../infra/local/offline-kafka/threadBundle';

test("each process bundles to a file of its own, and removes a killed process's", () => {
  const dir = join(__dirname, '../../../node_modules/.cache/offline-kafka');
  mkdirSync(dir, { recursive: true });
  const stale = join(dir, `thread-${2 ** 22 + 1}-x.js`); // above Linux's highest pid_max: no such process
  writeFileSync(stale, '');
  const bundle = bundleThread();
  try {
    expect(bundle.file).toMatch(new RegExp(`thread-${process.pid}-\\w+\\.js$`));
    expect(existsSync(bundle.file)).toBe(true);
    expect(existsSync(stale)).toBe(false);
  } finally {
    bundle.remove();
  }
  expect(existsSync(bundle.file)).toBe(false);
});
