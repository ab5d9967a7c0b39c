/**
 * A SqlConnection over tests/support/fakesnow_proxy.py (fakesnow, a Snowflake emulator on DuckDB,
 * in its own venv): what the Snowflake adapter's statements run against in the tests and the bench.
 * `withLatency` wraps it as the cloud bench's Snowflake stand-in (bench/cloudLoader.bench.ts).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { SqlBind, SqlConnection } from '../../functions/loader/snowflakeWarehouse';
import { venvBin } from '../../infra/local/stack/python';

export type FakesnowConnection = SqlConnection & {
  /** Milliseconds the proxy spent answering (its own work, without requests queued behind each other). */
  busyMs(): number;
  duckdb(sql: string): Promise<void>;
  session(): Promise<Record<string, unknown>>;
};

export async function fakesnowConnection(
  venv: string,
  dbPath: string,
  database: string,
  schema: string,
): Promise<FakesnowConnection> {
  const child = spawn(venvBin(venv, 'python'), [join(__dirname, 'fakesnow_proxy.py'), dbPath, database, schema], {
    env: { ...process.env, PYTHONWARNINGS: 'ignore' },
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`fakesnow proxy exited: ${stderr}`);
    return JSON.parse(value as string) as { rows?: Array<Record<string, unknown>>; error?: string; code?: string };
  };
  // One request at a time on the proxy's line protocol; callers may overlap.
  let chain: Promise<unknown> = Promise.resolve();
  let busy = 0;
  const send = (req: object) => {
    const p = chain.then(async () => {
      const t0 = performance.now();
      child.stdin.write(`${JSON.stringify(req)}\n`);
      const r = await next();
      busy += performance.now() - t0;
      if (r.error !== undefined) throw Object.assign(new Error(r.error), { code: r.code });
      return r.rows ?? [];
    });
    chain = p.catch(() => undefined);
    return p;
  };
  await next();
  return {
    execute: (sql: string, binds?: readonly SqlBind[]) => send({ sql, binds: binds ?? null }),
    duckdb: async (sql: string) => void (await send({ duckdb: sql })),
    busyMs: () => busy,
    session: async () => (await send({ session: true }))[0] ?? {},
    close: async () => {
      if (child.exitCode !== null) return;
      child.stdin.end();
      // Closing a large database can take a while; a bench or a test need not wait for it.
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await new Promise((r) => child.once('exit', r));
      clearTimeout(killer);
    },
  };
}

export interface Latency {
  /** Every statement's round trip (Lambda -> Snowflake in the same region, plus compile). */
  statementMs: number;
  /** Added per file a COPY names (Snowflake reads each file from the stage). */
  copyFileMs: number;
}

/** The stand-in: waits the latency before each statement (concurrent statements wait side by side). */
export function withLatency<C extends SqlConnection>(conn: C, l: Latency): C {
  return {
    ...conn,
    async execute(sql: string, binds?: readonly SqlBind[]) {
      const files = sql.startsWith('COPY') ? (/FILES = \(([^)]*)\)/.exec(sql)?.[1]?.match(/'/g)?.length ?? 0) / 2 : 0;
      await new Promise((r) => setTimeout(r, l.statementMs + files * l.copyFileMs));
      return conn.execute(sql, binds);
    },
  };
}
