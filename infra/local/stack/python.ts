/**
 * Python toolchains of the local stack (dbt, Airflow), each in its own virtualenv built from a
 * committed, fully pinned and hashed lock (infra/python/requirements-<name>.lock).
 *
 * - uv (from PyPI, pinned) is installed once into a bootstrap venv under the cache dir; it resolves
 *   and installs an order of magnitude faster than pip.
 * - A venv lives at <cacheDir>/venvs/<name>-<key>, where key hashes the lock, the interpreter
 *   version and uv's version: a changed lock makes a new venv, an unchanged one is reused at once.
 * - A venv counts as ready only once `.banking-cdc-ready` is written after a successful install,
 *   so an interrupted install is redone rather than half-used.
 *
 * CLI: `npx tsx infra/local/stack/python.ts ensure dbt|airflow|cfnlint|fakesnow|ministack|checkov` (prints the venv path),
 *      `npx tsx infra/local/stack/python.ts lock <name>` (re-resolves the lock from the .in file).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { withDirLock } from './dirLock';
import { withHeartbeat } from './heartbeat';
import { loadDotEnv } from './dotenv';
import { MissingToolError, PREREQUISITES } from './prerequisites';
import { runCollect } from './proc';
import type { StackContext } from './service';

export type VenvName = 'dbt' | 'airflow' | 'cfnlint' | 'fakesnow' | 'ministack' | 'checkov';
export const VENV_NAMES: readonly VenvName[] = ['dbt', 'airflow', 'cfnlint', 'fakesnow', 'ministack', 'checkov'];

/** Pinned uv; bump deliberately (it is part of every venv's key). */
export const UV_VERSION = '0.13.9';
/** The locks are resolved for this Python minor version (markers differ between minors). */
export const PYTHON_MINOR = '3.11';

const READY_MARKER = '.banking-cdc-ready';

type Ctx = Pick<StackContext, 'root' | 'cacheDir' | 'log'>;

export function inFile(root: string, name: VenvName): string {
  return path.join(root, 'infra', 'python', `requirements-${name}.in`);
}
export function lockFile(root: string, name: VenvName): string {
  return path.join(root, 'infra', 'python', `requirements-${name}.lock`);
}

/** Absolute path of an executable inside a venv (POSIX layout; the stack runs on Linux/macOS). */
export function venvBin(venv: string, exe: string): string {
  return path.join(venv, 'bin', exe);
}

async function runOk(what: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv, cwd?: string): Promise<string> {
  const r = await runCollect(cmd, args, { env, cwd });
  if (r.code !== 0) {
    const tail = r.output.trim().split('\n').slice(-30).join('\n');
    throw new Error(`${what} failed (exit ${r.code}): ${cmd} ${args.join(' ')}\n${tail}`);
  }
  return r.output;
}

export interface PythonInterpreter {
  path: string;
  version: string;
}

/**
 * The interpreter venvs are built on: $PYTHON if set, else the first of python3.11 / python3
 * on PATH that is Python 3.11 (the locks are resolved for 3.11).
 */
export async function findPython(env: NodeJS.ProcessEnv = process.env): Promise<PythonInterpreter> {
  const candidates = [env.PYTHON, 'python3.11', 'python3'].filter((c): c is string => !!c);
  const seen: string[] = [];
  for (const c of candidates) {
    const r = await runCollect(c, ['-c', 'import sys; print(sys.executable); print("%d.%d.%d" % sys.version_info[:3])'], {
      env,
    }).catch(() => undefined);
    if (!r || r.code !== 0) {
      seen.push(`${c}: not runnable`);
      continue;
    }
    const [exe, version] = r.output.trim().split('\n');
    if (exe && version?.startsWith(`${PYTHON_MINOR}.`)) return { path: exe, version };
    seen.push(`${c}: Python ${version}`);
  }
  throw new MissingToolError(
    'python',
    `no Python ${PYTHON_MINOR} found (${seen.join('; ')}; ${PREREQUISITES.python.why})`,
    PREREQUISITES.python.install(),
  );
}

function uvEnv(ctx: Ctx): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // Downloads are cached outside the clone, beside the venvs, so CI's repeat runs are quick.
    UV_CACHE_DIR: path.join(ctx.cacheDir, 'uv-cache'),
    // Use the system CA bundle (corporate proxies / this machine's cert config), not uv's bundled roots.
    UV_NATIVE_TLS: '1',
    // Never let uv fetch a Python build: it must use the interpreter we pass.
    UV_PYTHON_DOWNLOADS: 'never',
    UV_NO_PROGRESS: '1',
  };
}

export async function ensureUv(ctx: Ctx, python?: PythonInterpreter): Promise<string> {
  const dir = path.join(ctx.cacheDir, 'tools', `uv-${UV_VERSION}`);
  const uv = venvBin(dir, 'uv');
  if (existsSync(path.join(dir, READY_MARKER)) && existsSync(uv)) return uv;
  const py = python ?? (await findPython());
  await mkdir(path.dirname(dir), { recursive: true });
  return withDirLock(`${dir}.lock`, ctx.log, async () => {
    if (existsSync(path.join(dir, READY_MARKER)) && existsSync(uv)) return uv;
    await withHeartbeat(
      { name: 'python', doing: `installing uv ${UV_VERSION}`, detail: `into ${dir}`, done: 'uv installed', log: ctx.log },
      async () => {
        await rm(dir, { recursive: true, force: true });
        await runOk('creating the uv bootstrap venv', py.path, ['-m', 'venv', dir]);
        await runOk('pip install uv', venvBin(dir, 'python'), [
          '-m',
          'pip',
          'install',
          '--quiet',
          '--disable-pip-version-check',
          `uv==${UV_VERSION}`,
        ]);
      },
    );
    writeFileSync(path.join(dir, READY_MARKER), `uv==${UV_VERSION}\n`);
    return uv;
  });
}

/** The key of a venv: its lock's content, the interpreter version and uv's version. */
export function venvKey(root: string, name: VenvName, pythonVersion: string): string {
  const h = createHash('sha256');
  h.update(readFileSync(lockFile(root, name)));
  h.update(`\npython=${pythonVersion}\nuv=${UV_VERSION}\n`);
  return h.digest('hex').slice(0, 16);
}

/** Where the venv for the current lock lives (whether or not it exists yet). */
export async function venvPath(ctx: Pick<StackContext, 'root' | 'cacheDir'>, name: VenvName): Promise<string> {
  const py = await findPython();
  return path.join(ctx.cacheDir, 'venvs', `${name}-${venvKey(ctx.root, name, py.version)}`);
}

/**
 * Make sure the venv for `name`'s current lock exists and is complete; returns its absolute path.
 * Instant when it already exists.
 */
export async function ensureVenv(ctx: Ctx, name: VenvName): Promise<string> {
  const lock = lockFile(ctx.root, name);
  if (!existsSync(lock)) throw new Error(`Missing lock file ${lock}: run \`npx tsx infra/local/stack/python.ts lock ${name}\``);
  const py = await findPython();
  const venv = path.join(ctx.cacheDir, 'venvs', `${name}-${venvKey(ctx.root, name, py.version)}`);
  if (existsSync(path.join(venv, READY_MARKER))) return venv;
  const uv = await ensureUv(ctx, py);
  await mkdir(path.dirname(venv), { recursive: true });
  return withDirLock(`${venv}.lock`, ctx.log, async () => {
    if (existsSync(path.join(venv, READY_MARKER))) return venv;
    // A venv is not relocatable (scripts embed its absolute path): build in place, mark when done.
    const step = { name: 'python', doing: `creating the ${name} virtualenv`, done: `${name} virtualenv ready`, log: ctx.log };
    const detail = `${venv} from ${path.relative(ctx.root, lock)} (first run only)`;
    await withHeartbeat({ ...step, detail }, async () => {
      await rm(venv, { recursive: true, force: true });
      const env = uvEnv(ctx);
      await runOk(`creating the ${name} venv`, uv, ['venv', '--quiet', '--python', py.path, venv], env);
      await runOk(
        `installing ${name} from its lock`,
        uv,
        [
          'pip',
          'install',
          '--python',
          venvBin(venv, 'python'),
          // The lock is complete and hashed: install exactly it, nothing resolved at install time.
          '--require-hashes',
          '--no-deps',
          '-r',
          lock,
        ],
        env,
      );
      writeFileSync(path.join(venv, READY_MARKER), `${path.relative(ctx.root, lock)} python=${py.version}\n`);
    });
    return venv;
  });
}

/** The dbt venv (dbt-core + dbt-duckdb + dbt-snowflake). */
export function dbtVenv(ctx: Ctx): Promise<string> {
  return ensureVenv(ctx, 'dbt');
}

/** Absolute path of the dbt executable, installing the venv if needed. */
export async function dbtBin(ctx: Ctx): Promise<string> {
  return venvBin(await dbtVenv(ctx), 'dbt');
}

/** Re-resolve `name`'s lock from its .in file (fully pinned, with hashes, for Python 3.11). */
export async function compileLock(ctx: Ctx, name: VenvName, upgrade = false): Promise<string> {
  const uv = await ensureUv(ctx);
  const dir = path.join(ctx.root, 'infra', 'python');
  const args = [
    'pip',
    'compile',
    '--quiet',
    '--python-version',
    PYTHON_MINOR,
    '--generate-hashes',
    '--custom-compile-command',
    `npx tsx infra/local/stack/python.ts lock ${name}`,
    path.basename(inFile(ctx.root, name)),
    '-o',
    path.basename(lockFile(ctx.root, name)),
  ];
  if (upgrade) args.push('--upgrade');
  await runOk(`compiling the ${name} lock`, uv, args, uvEnv(ctx), dir);
  return lockFile(ctx.root, name);
}

/** Default cache dir when called from the CLI (the stack passes its own). */
function defaultCacheDir(): string {
  if (process.env.STACK_CACHE_DIR) return path.resolve(process.env.STACK_CACHE_DIR);
  const home = process.env.HOME ?? '/tmp';
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(home, '.cache'), 'banking-cdc');
}

async function main(argv: string[]): Promise<void> {
  const [cmd, name, flag] = argv;
  const usage =
    'usage: npx tsx infra/local/stack/python.ts ensure|lock dbt|airflow|cfnlint|fakesnow|ministack|checkov [--upgrade]';
  if (cmd === '--help' || cmd === '-h') {
    console.log(usage);
    process.exit(0);
  }
  if (!cmd || !['ensure', 'lock'].includes(cmd) || !VENV_NAMES.includes(name as VenvName)) {
    console.error(usage);
    process.exit(2);
  }
  loadDotEnv(); // STACK_CACHE_DIR may be set there
  const ctx: Ctx = {
    root: path.resolve(__dirname, '..', '..', '..'),
    cacheDir: defaultCacheDir(),
    log: (m) => console.error(`[python] ${m}`),
  };
  if (cmd === 'lock') console.log(await compileLock(ctx, name as VenvName, flag === '--upgrade'));
  else console.log(await ensureVenv(ctx, name as VenvName));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`[python] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
