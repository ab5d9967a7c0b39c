/**
 * `.env` for the stack, its CLIs and the tests, as serverless.yml's `useDotenv` gives it to sls:
 * read from the working directory (npm runs every script from the repository root), with the
 * environment already set winning over the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

const loaded = new Set<string>();

/**
 * Add to `env` what `file` sets and `env` lacks, once per file; true when the file was there.
 * Node's own parser (that of process.loadEnvFile), but assigned into the `env` object given: under
 * jest, `process.env` is a copy that loadEnvFile's writes to the real environment never reach.
 */
export function loadDotEnv(file = resolve(process.cwd(), '.env'), env: NodeJS.ProcessEnv = process.env): boolean {
  if (loaded.has(file)) return false;
  loaded.add(file);
  if (!existsSync(file)) return false;
  for (const [k, v] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) {
    if (env[k] === undefined && v !== undefined) env[k] = v;
  }
  return true;
}
