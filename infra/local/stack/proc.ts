/** Detached processes with pid files, port probes and waiting: the stack's process plumbing. */
import { sleep } from '../../../functions/shared/async';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import { isAlive, portOpen } from '../lib/net';
import { toolError } from './prerequisites';

export interface DetachedOptions {
  cmd: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  logFile: string;
  pidFile: string;
}

/** Start a process in its own process group, stdout+stderr appended to logFile; records its pid. */
export function startDetached(o: DetachedOptions): number {
  mkdirSync(dirname(o.logFile), { recursive: true });
  mkdirSync(dirname(o.pidFile), { recursive: true });
  const fd = openSync(o.logFile, 'a');
  const child = spawn(o.cmd, o.args, {
    cwd: o.cwd,
    env: o.env ?? process.env,
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  if (child.pid === undefined) {
    // spawn reports ENOENT (a missing tool, a broken JAVA_HOME) as an 'error' event on the next
    // tick, which would crash the process with a stack trace unless handled; the error said here
    // names the tool and its install command instead.
    child.once('error', () => undefined);
    const code = o.cmd.includes('/') && existsSync(o.cmd) ? 'EACCES' : 'ENOENT';
    throw toolError(o.cmd, Object.assign(new Error(`spawn ${o.cmd} ${code}`), { code }));
  }
  child.unref();
  writeFileSync(o.pidFile, String(child.pid));
  return child.pid;
}

export function readPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim().split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export { isAlive, portOpen };

export { sleep };

/** SIGTERM the process group recorded in pidFile, SIGKILL after graceMs. True if something was stopped. */
export async function stopByPidFile(pidFile: string, graceMs = 15_000): Promise<boolean> {
  const pid = readPid(pidFile);
  if (!isAlive(pid)) {
    rmSync(pidFile, { force: true });
    return false;
  }
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid!, sig); // the whole group: wrappers and their children
    } catch {
      try {
        process.kill(pid!, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(200);
  if (isAlive(pid)) signal('SIGKILL');
  while (isAlive(pid)) await sleep(100);
  rmSync(pidFile, { force: true });
  return true;
}

/** Poll `check` until it returns true or timeoutMs passes. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return true;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
}

/** Run a command to completion; throws with its output when it fails. */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): string {
  const res = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    input: opts.input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.error) throw spawnFailure(cmd, res.error);
  if (res.status !== 0) throw exitedError(cmd, args, res.status, (res.stdout ?? '') + (res.stderr ?? ''));
  return res.stdout;
}

function spawnFailure(cmd: string, err: NodeJS.ErrnoException): Error {
  return err.code === 'ENOENT' || err.code === 'EACCES' ? toolError(cmd, err) : new Error(`${cmd} could not run: ${err.message}`);
}

function exitedError(cmd: string, args: string[], code: number | null, output: string): Error {
  return new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${output}`.trim());
}

/** Run a command to completion without blocking (so a heartbeat can tick); stdout+stderr together. */
export function runCollect(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.once('error', (err) => reject(spawnFailure(cmd, err)));
    child.once('close', (code) => resolve({ code: code ?? 1, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

/** runCollect that throws with the output when the command fails; returns the output. */
export async function runAsync(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  const r = await runCollect(cmd, args, opts);
  if (r.code !== 0) throw exitedError(cmd, args, r.code, r.output);
  return r.output;
}

/** Last lines of a log file, for error messages. */
export function tail(file: string, lines = 15): string {
  if (!existsSync(file)) return '(no log yet)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Async HTTP GET returning status and JSON/text body, with a timeout. */
export function httpGet(url: string, timeoutMs = 2000): Promise<{ status: number; body: unknown }> {
  return httpRequest(url, { signal: AbortSignal.timeout(timeoutMs) });
}

/** An HTTP request (fetch) returning the status and the body, parsed as JSON when it is JSON, else as text. */
export async function httpRequest(url: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* text */
  }
  return { status: res.status, body };
}
