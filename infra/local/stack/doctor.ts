/**
 * Checks every prerequisite of the local stack before anything starts: the toolchain (each with the
 * command that installs it: prerequisites.ts), a working JAVA_HOME, free disk and free ports. A
 * tool only the first run needs (go, mvn) is required only while what it builds is missing.
 */
import { existsSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { brokenJavaHome, canAptInstall, PREREQUISITES, which, type Tool } from './prerequisites';
import { findPython } from './python';
import { portOpen, runCollect } from './proc';
import type { Service, StackContext } from './service';
import { minioBinary } from './services/minio';
import { jvmArtifactsPresent } from './services/jvm';
import { VERSIONS } from './versions';
import { CORE_SERVICES, optionalServices } from './stack';

export interface Check {
  name: string;
  ok: boolean;
  /** What was found, or what is wrong and the command that fixes it. */
  detail: string;
}

export interface DoctorScope {
  /** The services whose ports must be free (or held by that healthy service of ours). */
  services: Service[];
  /** Python 3.11 for the virtualenvs (Airflow, dbt, the tests' cfn-lint and fakesnow). */
  python: boolean;
  /** Chromium for the browser test. */
  chromium: boolean;
  /** Other ports that must be free: the functions and the page (`npm start`). */
  ports: { port: number; variable: string }[];
}

const GIB = 1024 ** 3;
const MIN_NODE = [20, 19];
const MIN_GO = [1, 24];
const MIN_JAVA = 17;

const ok = (name: string, detail: string): Check => ({ name, ok: true, detail });
const missing = (tool: Tool, problem: string): Check => ({
  name: tool,
  ok: false,
  detail: `${problem} (${PREREQUISITES[tool].why}). Install: ${PREREQUISITES[tool].install()}`,
});

const atLeast = (v: number[], min: number[]) => v[0]! > min[0]! || (v[0] === min[0] && v[1]! >= min[1]!);

function checkNode(): Check {
  const v = process.versions.node.split('.').map(Number);
  return atLeast(v, MIN_NODE) ? ok('node', process.versions.node) : missing('node', `Node ${process.versions.node} is too old`);
}

async function checkJava(): Promise<Check> {
  const broken = brokenJavaHome();
  if (broken) return { name: 'java', ok: false, detail: broken.message.replace(/^java: /, '') };
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : which('java');
  if (!java) return missing('java', 'java not found on PATH');
  const r = await runCollect(java, ['-version']).catch(() => undefined);
  const version = /version "([^"]+)"/.exec(r?.output ?? '')?.[1];
  if (!version) return missing('java', `${java} -version did not answer`);
  // "1.8.0_402" is Java 8; "17.0.15" is 17.
  const major = Number(version.startsWith('1.') ? version.split('.')[1] : version.split('.')[0]);
  if (major < MIN_JAVA) return missing('java', `${java} is Java ${version}; Java ${MIN_JAVA}+ is needed`);
  return ok('java', `${version} (${java})`);
}

function checkMaven(ctx: StackContext): Check {
  const mvn = which('mvn');
  const { kafka, debezium } = jvmArtifactsPresent(ctx);
  if (mvn) return ok('mvn', mvn);
  if (kafka && debezium) return ok('mvn', 'not on PATH, not needed: the Kafka and Debezium jars are in the cache');
  return missing('mvn', 'mvn not found on PATH');
}

async function checkGo(ctx: StackContext): Promise<Check> {
  const built = existsSync(minioBinary(ctx));
  const go = which('go');
  if (!go) return built ? ok('go', 'not on PATH, not needed: MinIO is built') : missing('go', 'go not found on PATH');
  const out = (await runCollect(go, ['version']).catch(() => undefined))?.output ?? '';
  const v = /go(\d+)\.(\d+)/.exec(out);
  if (!v)
    return built ? ok('go', `${go} did not answer; not needed: MinIO is built`) : missing('go', `${go} version did not answer`);
  const version = `${v[1]}.${v[2]}`;
  if (!atLeast([Number(v[1]), Number(v[2])], MIN_GO) && !built)
    return missing('go', `${go} is Go ${version}; Go >= 1.24 is needed`);
  return ok('go', `${version} (${go})${built ? ', MinIO already built' : ''}`);
}

async function checkPython(): Promise<Check> {
  try {
    const py = await findPython();
    // Debian splits venv's pip bootstrap into python3.11-venv; `-m venv` fails without it.
    const r = await runCollect(py.path, ['-c', 'import ensurepip, venv']);
    if (r.code !== 0) return missing('python', `${py.path} has no ensurepip (Debian: the python3.11-venv package)`);
    return ok('python', `${py.version} (${py.path})`);
  } catch {
    return missing('python', `no Python 3.11 on PATH (python3.11, python3) nor in PYTHON`);
  }
}

function checkPostgres(ctx: StackContext): Check {
  const dir = ctx.cfg.POSTGRES_BIN_DIR;
  const progs = ['postgres', 'initdb', 'pg_ctl'].filter((p) => !which(p, { PATH: dir }));
  if (!progs.length) return ok('postgres', `PostgreSQL ${VERSIONS.postgres} programs in ${dir}`);
  if (canAptInstall())
    return ok('postgres', `not installed yet: the first run installs postgresql-${VERSIONS.postgres} with apt-get`);
  return missing('postgres', `${progs.join(', ')} not found in ${dir} (POSTGRES_BIN_DIR)`);
}

function checkChromium(): Check {
  const found = which('chromium');
  if (found) return ok('chromium', found);
  if (canAptInstall()) return ok('chromium', 'not installed yet: the browser test installs it with apt-get');
  return missing('chromium', 'chromium not found on PATH');
}

/** Free space where the downloads and builds go: a first run needs about 4 GiB (Go's caches included). */
function checkDisk(ctx: StackContext, firstRun: boolean): Check {
  const need = firstRun ? 5 : 1;
  const worst = [ctx.cacheDir, ctx.stackDir]
    .map((dir) => {
      const s = statfsSync(dir);
      return { dir, free: (s.bavail * s.bsize) / GIB };
    })
    .sort((a, b) => a.free - b.free)[0]!;
  const detail = `${worst.free.toFixed(1)} GiB free in ${worst.dir}`;
  if (worst.free >= need) return ok('disk', detail);
  return {
    name: 'disk',
    ok: false,
    detail: `${detail}; ${need} GiB needed${firstRun ? ' for the first run' : ''}: free some space`,
  };
}

async function checkPorts(ctx: StackContext, scope: DoctorScope): Promise<Check[]> {
  const stackPorts = scope.services.flatMap((svc) => svc.ports(ctx).map((p) => ({ ...p, svc })));
  const checks = await Promise.all([
    ...stackPorts.map(async ({ port, variable, svc }) => {
      if (!(await portOpen(port))) return undefined;
      // Held by this very service, running (`up` leaves it as it is), or up but not yet configured
      // (an interrupted first `up`: the next one configures it).
      if ((await svc.health(ctx).catch(() => ({ healthy: false }))).healthy) return undefined;
      if (svc.ready && (await svc.ready(ctx).catch(() => false))) return undefined;
      return {
        name: 'ports',
        ok: false,
        detail: `port ${port} (${svc.name}) is in use, and not by a healthy ${svc.name} of this stack: stop that process (this stack's own: npm run stack -- down), or set ${variable} in .env`,
      };
    }),
    ...scope.ports.map(async ({ port, variable }) =>
      (await portOpen(port))
        ? {
            name: 'ports',
            ok: false,
            detail: `port ${port} (${variable}) is in use (another npm start or sls offline?): stop it, or set ${variable} in .env`,
          }
        : undefined,
    ),
  ]);
  const busy = checks.filter((c): c is Check => c !== undefined);
  const all = [...stackPorts.map((p) => p.port), ...scope.ports.map((p) => p.port)];
  return busy.length ? busy : [ok('ports', `${all.join(', ')} free or held by this stack's running services`)];
}

/** Every check of the scope, in a stable order. */
export async function runDoctor(ctx: StackContext, scope: DoctorScope): Promise<Check[]> {
  const built = existsSync(minioBinary(ctx));
  const jars = jvmArtifactsPresent(ctx);
  const firstRun = !built || !jars.kafka || !jars.debezium;
  const [java, go, python, ports] = await Promise.all([
    checkJava(),
    checkGo(ctx),
    scope.python ? checkPython() : undefined,
    checkPorts(ctx, scope),
  ]);
  return [
    checkNode(),
    java,
    checkMaven(ctx),
    go,
    ...(python ? [python] : []),
    checkPostgres(ctx),
    ...(scope.chromium ? [checkChromium()] : []),
    checkDisk(ctx, firstRun),
    ...ports,
  ];
}

export type DoctorFor = 'all' | 'start' | 'stack' | 'test';
export const DOCTOR_FOR: readonly DoctorFor[] = ['all', 'start', 'stack', 'test'];

/** What `npm start` (stack + Airflow + the functions' and the page's ports), `stack up` and `npm test` need. */
export function doctorScope(kind: DoctorFor, ctx: StackContext, opts: { withAirflow?: boolean } = {}): DoctorScope {
  const { cfg } = ctx;
  const starting = kind === 'all' || kind === 'start';
  const airflow = starting || opts.withAirflow === true;
  return {
    services: airflow ? [...CORE_SERVICES, ...optionalServices()] : CORE_SERVICES,
    python: airflow || kind === 'test',
    chromium: kind === 'all' || kind === 'test',
    ports: starting
      ? [
          { port: cfg.OFFLINE_HTTP_PORT, variable: 'OFFLINE_HTTP_PORT' },
          { port: cfg.OFFLINE_LAMBDA_PORT, variable: 'OFFLINE_LAMBDA_PORT' },
          { port: cfg.DASHBOARD_PORT, variable: 'DASHBOARD_PORT' },
        ]
      : [],
  };
}

const line = (c: Check) => `[doctor] ${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(9)} ${c.detail}`;

/**
 * Run the checks and print them (only the failures when quiet); true when all passed. What
 * `npm start` and `npm run stack -- up` run first.
 */
export async function doctorGate(ctx: StackContext, scope: DoctorScope, opts: { quiet?: boolean } = {}): Promise<boolean> {
  const checks = await runDoctor(ctx, scope);
  const failed = checks.filter((c) => !c.ok);
  for (const c of opts.quiet ? failed : checks) console.log(line(c));
  if (failed.length) {
    console.log(`[doctor] ${failed.length} problem(s): fix the FAIL line(s) above, then run npm run doctor again`);
  } else if (opts.quiet) {
    console.log(`[doctor] prerequisites ok (${checks.map((c) => c.name).join(', ')}; npm run doctor shows them)`);
  }
  return failed.length === 0;
}
