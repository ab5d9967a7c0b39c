/**
 * Airflow 3 for the local stack: `airflow standalone` (api-server with the UI, scheduler,
 * dag-processor, triggerer; LocalExecutor; SQLite metadata DB) from its own venv, with the DAGs of
 * infra/airflow/dags. dbt runs from ITS own venv: the DAGs get its binary by path (BANKING_DBT_BIN).
 *
 * Login: Airflow 3's simple auth manager. Its users come from [core] simple_auth_manager_users and
 * their passwords from a JSON file; we write both from AIRFLOW_ADMIN_USER / AIRFLOW_ADMIN_PASSWORD
 * (admin / admin by default), so the login is known instead of generated.
 *
 * Everything lives under <STACK_DIR>/airflow: airflow.db, logs/, airflow.log, airflow.pid.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { serviceDirs, type Health, type Service, type StackContext } from '../service';
import { httpGet, portOpen, readPid, sleep, startDetached, stopByPidFile } from '../proc';
import { ensureVenv, venvBin, venvPath, type VenvName } from '../python';

export const airflowDirs = (ctx: StackContext) => {
  const { base: home, ...files } = serviceDirs(ctx, 'airflow', {
    log: 'airflow.log',
    pid: 'airflow.pid',
    passwords: 'simple_auth_manager_passwords.json',
    secrets: 'secrets.json',
  });
  return { home, ...files };
};

/** The warehouse file as an absolute path (WAREHOUSE_PATH is relative to the repo root). */
export function warehousePath(ctx: Pick<StackContext, 'cfg' | 'root'>): string {
  const p = ctx.cfg.WAREHOUSE_PATH;
  return isAbsolute(p) ? p : resolve(ctx.root, p);
}

/** Secrets the api-server and the task runners must share; generated once per stack dir. */
function secrets(ctx: StackContext): { jwt: string; api: string } {
  const file = airflowDirs(ctx).secrets;
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { jwt: string; api: string };
  const s = { jwt: randomBytes(32).toString('hex'), api: randomBytes(32).toString('hex') };
  // A fresh clone where Airflow never started has no folder yet (`airflow dags test` needs none).
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(s), { mode: 0o600 });
  return s;
}

export interface AirflowEnvOptions {
  /** The Airflow venv: standalone starts its components as `airflow ...` from PATH. */
  airflowVenv: string;
  /** AIRFLOW_HOME; default <stackDir>/airflow. Tests use a temporary one. */
  home?: string;
  /** The dbt venv (its bin/dbt is what the DAGs run). */
  dbtVenv: string;
  /** Extra variables (e.g. WAREHOUSE_PATH of a test copy). */
  extra?: NodeJS.ProcessEnv;
}

/**
 * The environment every Airflow process (standalone, `airflow dags test`) runs with. Airflow reads
 * its configuration from AIRFLOW__SECTION__KEY variables, so no airflow.cfg needs editing.
 */
export function airflowEnv(ctx: StackContext, o: AirflowEnvOptions): NodeJS.ProcessEnv {
  const d = airflowDirs(ctx);
  // Absolute: Airflow refuses a relative sqlite path.
  const home = resolve(o.home ?? d.home);
  mkdirSync(home, { recursive: true });
  const port = ctx.cfg.AIRFLOW_PORT;
  const s = secrets(ctx);
  return {
    ...process.env,
    PATH: `${join(o.airflowVenv, 'bin')}:${process.env.PATH ?? ''}`,
    AIRFLOW_HOME: home,
    AIRFLOW__CORE__DAGS_FOLDER: join(ctx.root, 'infra', 'airflow', 'dags'),
    AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
    // The pipeline's DAGs should run as soon as the stack is up (a local dev stack, not production).
    AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION: 'False',
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: `sqlite:///${join(home, 'airflow.db')}`,
    AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS: `${ctx.cfg.AIRFLOW_ADMIN_USER}:admin`,
    AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE: d.passwords,
    AIRFLOW__API__HOST: '127.0.0.1',
    AIRFLOW__API__PORT: String(port),
    AIRFLOW__API__BASE_URL: `http://127.0.0.1:${port}`,
    AIRFLOW__CORE__EXECUTION_API_SERVER_URL: `http://127.0.0.1:${port}/execution/`,
    // Shared by the api-server and the task runners; random per processes otherwise.
    AIRFLOW__API_AUTH__JWT_SECRET: s.jwt,
    AIRFLOW__API__SECRET_KEY: s.api,
    // Pick up DAG edits quickly in development.
    AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL: '30',
    // What the banking DAGs need (infra/airflow/dags/banking_common/dbt_runner.py).
    BANKING_REPO_ROOT: ctx.root,
    BANKING_DBT_BIN: venvBin(o.dbtVenv, 'dbt'),
    BANKING_DBT_PROJECT_DIR: join(ctx.root, 'dbt'),
    BANKING_DBT_WORK_DIR: join(home, 'dbt'),
    WAREHOUSE_PATH: warehousePath(ctx),
    ...o.extra,
  };
}

/** Write the simple auth manager's passwords file from the configured admin login. */
function writePasswords(ctx: StackContext): boolean {
  const file = airflowDirs(ctx).passwords;
  const content = `${JSON.stringify({ [ctx.cfg.AIRFLOW_ADMIN_USER]: ctx.cfg.AIRFLOW_ADMIN_PASSWORD })}\n`;
  if (existsSync(file) && readFileSync(file, 'utf8') === content) return false;
  writeFileSync(file, content, { mode: 0o600 });
  return true;
}

const healthUrl = (ctx: StackContext) => `http://127.0.0.1:${ctx.cfg.AIRFLOW_PORT}/api/v2/monitor/health`;

interface HealthBody {
  metadatabase?: { status?: string };
  scheduler?: { status?: string };
  dag_processor?: { status?: string | null };
}

export const airflowService: Service = {
  name: 'airflow',
  // First start migrates the metadata DB and starts four components.
  startTimeoutMs: 240_000,
  ports: (ctx) => [{ port: ctx.cfg.AIRFLOW_PORT, variable: 'AIRFLOW_PORT' }],
  logFile: (ctx) => airflowDirs(ctx).log,

  async provision(ctx) {
    const d = airflowDirs(ctx);
    const venvsBefore = [await venvExists(ctx, 'airflow'), await venvExists(ctx, 'dbt')];
    await ensureVenv(ctx, 'airflow');
    await ensureVenv(ctx, 'dbt');
    mkdirSync(d.home, { recursive: true });
    const passwordsChanged = writePasswords(ctx);
    return passwordsChanged || venvsBefore.includes(false);
  },

  async start(ctx) {
    const d = airflowDirs(ctx);
    const airflowVenv = await ensureVenv(ctx, 'airflow');
    const dbtVenv = await ensureVenv(ctx, 'dbt');
    writePasswords(ctx);
    ctx.log(
      `airflow: starting standalone on http://127.0.0.1:${ctx.cfg.AIRFLOW_PORT} (login ${ctx.cfg.AIRFLOW_ADMIN_USER} / the password in AIRFLOW_ADMIN_PASSWORD), log ${d.log}`,
    );
    startDetached({
      cmd: venvBin(airflowVenv, 'airflow'),
      args: ['standalone'],
      cwd: ctx.root,
      env: airflowEnv(ctx, { airflowVenv, dbtVenv }),
      logFile: d.log,
      pidFile: d.pid,
    });
  },

  async health(ctx): Promise<Health> {
    if (!(await portOpen(ctx.cfg.AIRFLOW_PORT))) return { healthy: false, detail: 'not listening' };
    try {
      const res = await httpGet(healthUrl(ctx), 1500);
      if (res.status !== 200) return { healthy: false, detail: `health endpoint answered HTTP ${res.status}` };
      const body = res.body as HealthBody;
      const db = body.metadatabase?.status;
      const scheduler = body.scheduler?.status;
      const healthy = db === 'healthy' && scheduler === 'healthy';
      return {
        healthy,
        detail: `http://127.0.0.1:${ctx.cfg.AIRFLOW_PORT} metadatabase ${db ?? '?'}, scheduler ${scheduler ?? '?'}, dag-processor ${body.dag_processor?.status ?? '?'}`,
      };
    } catch (err) {
      return { healthy: false, detail: `health check failed: ${(err as Error).message}` };
    }
  },

  async stop(ctx) {
    // standalone runs its components (scheduler, api-server, workers) in its process group. They
    // finish running tasks after SIGTERM and may outlive the standalone process: wait for the group.
    const pid = readPid(airflowDirs(ctx).pid);
    const stopped = await stopByPidFile(airflowDirs(ctx).pid, 30_000);
    if (pid !== undefined) {
      const deadline = Date.now() + 60_000;
      while (groupAlive(pid) && Date.now() < deadline) await sleep(250);
      if (groupAlive(pid)) {
        ctx.log(`airflow: components of process group ${pid} still running after 60 s; killing them`);
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* gone meanwhile */
        }
      }
    }
    return stopped;
  },
};

async function venvExists(ctx: StackContext, name: VenvName): Promise<boolean> {
  return existsSync(join(await venvPath(ctx, name), '.banking-cdc-ready'));
}

/** Is any process of group `pgid` left? */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
