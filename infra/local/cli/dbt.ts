/** Runs dbt from the pinned dbt virtualenv (infra/local/stack/python.ts) on this repo's project and profiles. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { StackContext } from '../stack/service';
import { dbtBin } from '../stack/python';

export interface DbtResult {
  ok: boolean;
  code: number;
  output: string;
  tail: string;
}

export async function runDbt(
  ctx: StackContext,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  echo?: (line: string) => void,
): Promise<DbtResult> {
  const bin = await dbtBin(ctx);
  const dbtDir = join(ctx.root, 'dbt');
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      cwd: dbtDir,
      env: {
        ...process.env,
        ...env,
        DBT_PROFILES_DIR: dbtDir,
        BANKING_REPO_ROOT: ctx.root,
        DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (b: Buffer) => {
      const s = b.toString();
      output += s;
      if (echo) for (const line of s.split('\n')) if (line.trim()) echo(line);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('close', (code) =>
      resolve({ ok: code === 0, code: code ?? -1, output, tail: output.trimEnd().split('\n').slice(-25).join('\n') }),
    );
  });
}
