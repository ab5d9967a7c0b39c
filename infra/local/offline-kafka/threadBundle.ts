/**
 * The event-source threads' code as one CommonJS file, built once per `sls offline start` with
 * esbuild. Each thread compiled its TypeScript with tsx on start otherwise: about a second of CPU
 * per thread (profiled), inside the catch-up a restart begins with. Packages stay external and are
 * resolved from the file's place under node_modules/.cache (the usual home of tools' caches).
 */
import { buildSync } from 'esbuild';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isAlive } from '../lib/net';

export interface ThreadBundle {
  file: string;
  remove(): void;
}

export function bundleThread(): ThreadBundle {
  const root = resolve(__dirname, '..', '..', '..');
  const dir = join(root, 'node_modules', '.cache', 'offline-kafka');
  mkdirSync(dir, { recursive: true });
  // Bundles of a sls offline that was killed (kill -9) before it could remove its own.
  for (const name of readdirSync(dir)) {
    const pid = /^thread-(\d+)-/.exec(name)?.[1];
    if (pid && !isAlive(Number(pid))) rmSync(join(dir, name), { force: true });
  }
  const file = join(dir, `thread-${process.pid}-${Date.now().toString(36)}.js`);
  buildSync({
    entryPoints: [join(__dirname, 'thread.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
  });
  return { file, remove: () => rmSync(file, { force: true }) };
}
