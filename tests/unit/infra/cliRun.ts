/**
 * Run one of the repository's TypeScript CLIs as `npm run` does (tsx, cwd the repository), with a
 * chosen environment, and a PATH that lacks chosen tools: the way the tests simulate a machine
 * where `go` or `mvn` was never installed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { isExecutable } from '../../../infra/local/stack/prerequisites';

export const ROOT = join(__dirname, '..', '..', '..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  output: string;
}

/** `node tsx <script> ...args` with `env` as the whole environment. */
export function runCli(script: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [TSX, join(ROOT, script), ...args], { cwd, env, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr, output: stdout + stderr });
    });
  });
}

/**
 * A PATH of one folder holding a symlink to every executable of this PATH except the names
 * given (first match wins, as for a shell), so every other tool keeps working.
 */
export function pathWithout(names: string[], path = process.env.PATH ?? ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'path-without-'));
  const seen = new Set(names);
  for (const d of path.split(delimiter)) {
    if (!d) continue;
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      continue;
    }
    for (const e of entries) {
      if (seen.has(e) || !isExecutable(join(d, e))) continue;
      seen.add(e);
      symlinkSync(join(d, e), join(dir, e));
    }
  }
  return dir;
}

/** A Node stack trace line ("    at fn (file:1:2)"): what no prerequisite message may show. */
export const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;
