/** How every benchmark writes its result (bench/results/<name>.json) and runs as a script. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes the result as indented JSON to `out`, creating its folder; returns the result. */
export function writeResult<T>(out: string, result: T): T {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/** A benchmark run as a script (`tsx bench/<name>.bench.ts`): report its result, or print the error and exit 1. */
export function runAsScript<T>(run: Promise<T>, report: (result: T) => void): void {
  // Exit when done: a client's idle keep-alive socket or pool must not keep a finished bench waiting.
  run
    .then((r) => {
      report(r);
      process.exit(0);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
