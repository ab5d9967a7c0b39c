/** Builds the StackContext: where the runtime data and the download cache live. */
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { loadSettings, type Settings } from './settings';
import type { StackContext } from './service';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

export function makeContext(opts: { quiet?: boolean; cfg?: Settings } = {}): StackContext {
  const cfg = opts.cfg ?? loadSettings();
  const stackDir = isAbsolute(cfg.STACK_DIR) ? cfg.STACK_DIR : resolve(REPO_ROOT, cfg.STACK_DIR);
  const cacheDir = cfg.STACK_CACHE_DIR
    ? resolve(cfg.STACK_CACHE_DIR)
    : resolve(process.env.XDG_CACHE_HOME ?? resolve(homedir(), '.cache'), 'banking-cdc');
  mkdirSync(stackDir, { recursive: true });
  mkdirSync(cacheDir, { recursive: true });
  const log = opts.quiet ? () => {} : (msg: string) => console.log(`[stack] ${msg}`);
  return { cfg, root: REPO_ROOT, stackDir, cacheDir, log };
}
