/**
 * Keeps the functions' build present under `sls offline`. serverless-offline loads each handler
 * from serverless-esbuild's build folder (custom.serverless-offline.location) and checks that the
 * file exists on every invocation, so once the folder is gone every invocation fails with
 * `Cannot find module` and the event sources retried it forever (issue 27). It goes when a
 * `sls package` or `sls deploy` sharing the work folder ends (serverless-esbuild deletes the whole
 * folder then), or by hand.
 *
 * serverless-esbuild's watch mode rebuilds only on a change of a watched source file and has no
 * command to ask for a build, so the guard calls the plugin's own steps, the ones its
 * `before:offline:start:init` hook runs (bundle, packExternalModules, copyExtras; serverless-esbuild
 * is pinned). The handlers' code is unchanged, so nothing needs reloading. If the build cannot be
 * made again, the guard says so and what to do, and stops sls offline (SIGTERM: the event sources
 * stop as on Ctrl-C, and what they had not committed is delivered again by the next start).
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { errorMessage, type SourceLogger } from './log';
import { asRecord, type ServiceLike } from '../lib/serverless';

/** What the guard uses of serverless-esbuild's plugin instance (serverless-esbuild 1.57). */
export interface EsbuildPluginLike {
  bundle(): Promise<void>;
  packExternalModules(): Promise<void>;
  copyExtras(): Promise<void>;
}

export interface GuardedServerless {
  service: ServiceLike;
  config?: { servicePath?: string; serviceDir?: string };
  serviceDir?: string;
  pluginManager?: { plugins?: unknown[] };
}

function isEsbuildPlugin(p: unknown): p is EsbuildPluginLike {
  const r = p as Partial<Record<keyof EsbuildPluginLike, unknown>> | null;
  return typeof r?.bundle === 'function' && typeof r.packExternalModules === 'function' && typeof r.copyExtras === 'function';
}

export function findEsbuildPlugin(serverless: GuardedServerless): EsbuildPluginLike | undefined {
  return serverless.pluginManager?.plugins?.find(isEsbuildPlugin);
}

/**
 * The files whose loss breaks invocations: each function's built handler module under the build
 * folder, and the externals installed beside them (node_modules), as they exist now.
 */
export function buildFiles(serverless: GuardedServerless): { folder: string; files: string[] } | undefined {
  const location = asRecord(serverless.service.custom?.['serverless-offline'])?.location;
  if (typeof location !== 'string' || location === '') return undefined; // handlers run from source: nothing built
  const serviceDir = serverless.serviceDir ?? serverless.config?.serviceDir ?? serverless.config?.servicePath ?? process.cwd();
  const folder = isAbsolute(location) ? location : join(serviceDir, location);
  const files: string[] = [];
  for (const key of serverless.service.getAllFunctions()) {
    const handler = (serverless.service.getFunction(key) as { handler?: unknown }).handler;
    if (typeof handler !== 'string') continue;
    const module = join(folder, handler.slice(0, handler.lastIndexOf('.')));
    const built = ['.js', '.cjs', '.mjs'].map((ext) => module + ext).find((f) => existsSync(f));
    if (built) files.push(built);
  }
  const externals = join(folder, 'node_modules');
  if (existsSync(externals)) files.push(externals);
  return files.length > 0 ? { folder, files } : undefined;
}

export interface BuildGuardOptions {
  folder: string;
  files: string[];
  /** Makes the build again (serverless-esbuild's steps); undefined when nothing can. */
  rebuild: (() => Promise<void>) | undefined;
  /** Called once the build is gone for good: stop sls offline. */
  giveUp: () => void;
  log: SourceLogger;
  intervalMs?: number;
  retryDelayMs?: number;
  exists?: (file: string) => boolean;
}

const REBUILD_ATTEMPTS = 3;

export class BuildGuard {
  readonly #o: BuildGuardOptions;
  readonly #exists: (file: string) => boolean;
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;
  #stopped = false;
  rebuilds = 0;

  constructor(options: BuildGuardOptions) {
    this.#o = options;
    this.#exists = options.exists ?? existsSync;
  }

  start(): void {
    this.#timer = setInterval(() => void this.check(), this.#o.intervalMs ?? 1000);
    this.#timer.unref();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
  }

  /** One check (the timer's; tests call it): rebuild what is missing, or give up. Never overlaps. */
  check(): Promise<void> {
    this.#checking ??= this.#check().finally(() => (this.#checking = undefined));
    return this.#checking;
  }

  #missing(): string[] {
    return this.#o.files.filter((f) => !this.#exists(f));
  }

  async #check(): Promise<void> {
    if (this.#stopped) return;
    const missing = this.#missing();
    if (missing.length === 0) return;
    const { folder, log } = this.#o;
    const what =
      `the functions' build in ${folder} disappeared (${missing.length} of ${this.#o.files.length} files missing, ` +
      `e.g. ${missing[0]}): another serverless command in this checkout shared its work folder ` +
      `(serverless-esbuild deletes it when sls package or sls deploy ends), or it was deleted by hand`;
    if (!this.#o.rebuild) return this.#giveUp(`${what}, and serverless-esbuild is not loaded to build it again`);
    log.warn(`${what}; building it again (invocations that fail meanwhile are retried)`);
    const t0 = Date.now();
    let failure = '';
    // A deletion still under way (rm -r of 90 MB) can undo a build: a few tries before giving up.
    for (let attempt = 1; attempt <= REBUILD_ATTEMPTS && !this.#stopped; attempt++) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, this.#o.retryDelayMs ?? 1000));
      try {
        await this.#o.rebuild();
        const still = this.#missing();
        if (still.length === 0) {
          this.rebuilds++;
          log.warn(`functions rebuilt in ${folder} in ${Date.now() - t0} ms; failed invocations are retried and succeed now`);
          return;
        }
        failure = `building it again did not bring back ${still.join(', ')}`;
      } catch (err) {
        failure = `building it again failed: ${errorMessage(err)}`;
      }
    }
    this.#giveUp(`${what}, and ${failure} (${REBUILD_ATTEMPTS} attempts)`);
  }

  #giveUp(why: string): void {
    if (this.#stopped) return;
    this.stop();
    this.#o.log.error(
      `${why}. Stopping sls offline: no invocation can succeed without the build. Nothing is lost (uncommitted ` +
        `batches and unloaded objects are delivered again at the next start). What to do: check that the work ` +
        `folder can be written, then start it again (npm start, npm run e2e, or sls offline start); give a ` +
        `serverless command run beside it a work folder of its own (SLS_ESBUILD_WORK_FOLDER=.esbuild-mine).`,
    );
    this.#o.giveUp();
  }
}

const guards = new WeakMap<object, BuildGuard | null>();

/**
 * One guard per `sls offline` (both event-source plugins ask; the first starts it). Nothing to
 * guard when serverless-esbuild did not build the handlers.
 */
export function guardBuild(serverless: GuardedServerless, log: SourceLogger): BuildGuard | undefined {
  if (guards.has(serverless)) return guards.get(serverless) ?? undefined;
  const build = buildFiles(serverless);
  const esbuild = findEsbuildPlugin(serverless);
  const guard = build
    ? new BuildGuard({
        ...build,
        rebuild: esbuild
          ? async () => {
              await esbuild.bundle();
              await esbuild.packExternalModules();
              await esbuild.copyExtras();
            }
          : undefined,
        giveUp: () => process.kill(process.pid, 'SIGTERM'),
        log,
      })
    : undefined;
  guards.set(serverless, guard ?? null);
  guard?.start();
  return guard;
}

/** Stops the guard of this `sls offline`, if any (at the plugins' stop). */
export function stopBuildGuard(serverless: GuardedServerless): void {
  guards.get(serverless)?.stop();
}
