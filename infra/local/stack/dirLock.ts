/**
 * A lock between processes on one machine (the stack and a test run installing the same venv):
 * an atomic mkdir with the holder's pid inside; a lock whose holder has died is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isAlive } from './proc';

/** Serialise concurrent installers (stack + test run) with an atomic mkdir lock. */
export async function withDirLock<T>(lockDir: string, log: (m: string) => void, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 15 * 60_000;
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock left by a dead process is stale: take it over.
      const pid = Number(readFileSafe(path.join(lockDir, 'pid')));
      if (pid && !isAlive(pid)) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${lockDir} (held by pid ${pid})`);
      if (!announced) log(`waiting for another install to finish (${lockDir}, pid ${pid})`);
      announced = true;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function readFileSafe(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}
