/**
 * What every service of the native local stack provides. `stack.ts` runs them in order:
 * provision (install once, cached outside the clone) -> start (no-op when already healthy)
 * -> wait until healthy. Each keeps its data and log under `<STACK_DIR>/<name>/`.
 */
import { join } from 'node:path';
import type { Settings } from './settings';

export interface StackContext {
  cfg: Settings;
  /** Absolute path of the repository. */
  root: string;
  /** Absolute runtime data folder (gitignored), e.g. <repo>/.stack */
  stackDir: string;
  /** Absolute download cache outside the clone, e.g. ~/.cache/banking-cdc */
  cacheDir: string;
  log: (msg: string) => void;
}

export interface PortUse {
  port: number;
  /** The .env variable that moves this port. */
  variable: string;
}

export interface Health {
  healthy: boolean;
  detail: string;
}

export interface Service {
  readonly name: string;
  ports(ctx: StackContext): PortUse[];
  /** Absolute path of this service's log file. */
  logFile(ctx: StackContext): string;
  /** Download / build / initialise what is missing. Idempotent; returns true if it changed anything. */
  provision(ctx: StackContext): Promise<boolean>;
  /** Start the process(es) detached, writing logs to logFile. Called only when not healthy. */
  start(ctx: StackContext): Promise<void>;
  /** Is the process up and answering, before configure() has run? Defaults to health(). */
  ready?(ctx: StackContext): Promise<boolean>;
  /** Is it up, answering and configured? Must be quick (< 3 s). */
  health(ctx: StackContext): Promise<Health>;
  /** Stop what start() started (by pid file); never touches processes it did not start. */
  stop(ctx: StackContext): Promise<boolean>;
  /** Optional: after healthy, make sure the service's setup (schema, bucket, connector) is in place. Idempotent; true if it changed anything. */
  configure?(ctx: StackContext): Promise<boolean>;
  /** How long start may take before the stack reports a failure. */
  readonly startTimeoutMs: number;
}

/**
 * A service's folder under the stack dir (`base`) and its files in it, by role, e.g.
 * `serviceDirs(ctx, 'kafka', { log: 'kafka.log', pid: 'kafka.pid' })`.
 */
export function serviceDirs<F extends Record<string, string>>(
  ctx: Pick<StackContext, 'stackDir'>,
  name: string,
  files: F,
): { base: string } & { [K in keyof F]: string } {
  const base = join(ctx.stackDir, name);
  const paths = Object.fromEntries(Object.entries(files).map(([role, file]) => [role, join(base, file)]));
  return { base, ...paths } as { base: string } & { [K in keyof F]: string };
}
