/**
 * Runs `sls offline start` as a child process (its own process group), output to a log file,
 * and waits until the functions are served and the Kafka event source is consuming.
 *
 * Each start builds the functions into a serverless-esbuild work folder of its own
 * (`.esbuild-offline-<pid>-<n>`, removed at stop): serverless-esbuild deletes its whole work
 * folder when `sls package` or `sls deploy` ends, and rewrites it on `sls invoke local`, so a
 * pipeline sharing the default `.esbuild` with a command a user runs in the same checkout lost
 * its build and failed every invocation after (issue 27).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isAlive, portOpen, sleep, tail } from '../stack/proc';

const WORK_FOLDER_PREFIX = '.esbuild-offline-';
let started = 0;

/** `.esbuild-offline-<pid>-<n>`: one per start, so a restart never waits on the old folder's removal. */
export function offlineWorkFolder(pid = process.pid, n = ++started): string {
  return `${WORK_FOLDER_PREFIX}${pid}-${n}`;
}

/** Work folders left by runs that were killed before their stop (kill -9): their process is gone. */
export function removeStaleWorkFolders(
  root: string,
  remove: (path: string) => void = (p) => rmSync(p, { recursive: true, force: true }),
): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(root)) {
    const m = /^\.esbuild-offline-(\d+)-\d+$/.exec(name);
    if (!m || isAlive(Number(m[1]))) continue;
    try {
      remove(join(root, name));
      removed.push(name);
    } catch {
      // Still being written (an orphaned sls offline outlived the run that named it; seen in the
      // soak): left for a later start rather than stopping this one.
    }
  }
  return removed;
}

export interface OfflineOptions {
  root: string;
  logFile: string;
  env?: NodeJS.ProcessEnv;
  /** serverless params, e.g. { consumerGroupId: 'e2e-1', generateSchedule: 'false' } */
  params?: Record<string, string>;
  readyTimeoutMs?: number;
}

export interface OfflineProcess {
  child: ChildProcess;
  logFile: string;
  /** serverless-esbuild's work folder of this start, relative to root (the build is in its `.build`). */
  workFolder: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startOffline(o: OfflineOptions): Promise<OfflineProcess> {
  mkdirSync(dirname(o.logFile), { recursive: true });
  const fd = openSync(o.logFile, 'a');
  const params = Object.entries(o.params ?? {}).map(([k, v]) => `--param=${k}=${v}`);
  const sls = join(o.root, 'node_modules', '.bin', 'sls');
  removeStaleWorkFolders(o.root);
  const workFolder = o.env?.SLS_ESBUILD_WORK_FOLDER ?? offlineWorkFolder();
  // OFFLINE_CPU_PROF_DIR=<dir>: a V8 CPU profile of every thread of sls offline, written at its exit
  // (--cpu-prof is refused in NODE_OPTIONS, so node runs the CLI itself).
  const profDir = process.env.OFFLINE_CPU_PROF_DIR;
  const [cmd, args] = profDir
    ? [process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profDir}`, sls, 'offline', 'start', ...params]]
    : [sls, ['offline', 'start', ...params]];
  const child = spawn(cmd, args, {
    cwd: o.root,
    env: {
      // All functions run as worker threads of this one process and share libuv's thread pool
      // (4 threads by default). DuckDB's Node binding runs its work on that pool, and when it is
      // taken every other function's fs/crypto work waits too (duckdb/duckdb-node-neo#325): seen
      // here as writeBatch and loadObject invocations hanging until their Lambda timeout while
      // the loader swept the bucket at start-up.
      UV_THREADPOOL_SIZE: '16',
      ...process.env,
      ...o.env,
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      SLS_ESBUILD_WORK_FOLDER: workFolder,
    },
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));

  const removeWorkFolder = () => {
    if (!o.env?.SLS_ESBUILD_WORK_FOLDER) rmSync(join(o.root, workFolder), { recursive: true, force: true });
  };
  const stop = async (signal: NodeJS.Signals = 'SIGINT') => {
    if (exited !== null || child.pid === undefined) {
      removeWorkFolder();
      return;
    }
    try {
      process.kill(-child.pid, signal);
    } catch {
      /* gone */
    }
    const deadline = Date.now() + 20_000;
    while (exited === null && Date.now() < deadline) await sleep(200);
    if (exited === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      while (exited === null) await sleep(100);
    }
    removeWorkFolder();
  };

  const port = Number(o.env?.OFFLINE_LAMBDA_PORT ?? process.env.OFFLINE_LAMBDA_PORT ?? 3002);
  const deadline = Date.now() + (o.readyTimeoutMs ?? 120_000);
  const consuming = () =>
    existsSync(o.logFile) && /offline-kafka.*(consuming|joined|started)/i.test(readFileSync(o.logFile, 'utf8'));
  while (!(await portOpen(port)) || !consuming()) {
    if (exited !== null) {
      removeWorkFolder();
      throw new Error(`sls offline exited with code ${exited} before it was ready; log ${o.logFile}:\n${tail(o.logFile, 25)}`);
    }
    if (Date.now() > deadline) {
      await stop('SIGKILL');
      throw new Error(
        `sls offline not ready after ${(o.readyTimeoutMs ?? 120_000) / 1000}s; log ${o.logFile}:\n${tail(o.logFile, 25)}`,
      );
    }
    await sleep(500);
  }
  return { child, logFile: o.logFile, workFolder, stop };
}
