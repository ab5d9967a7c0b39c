/**
 * Registers (or updates) the Debezium connector through Kafka Connect's REST API, with retries,
 * and waits until the connector and its task are RUNNING. Idempotent: an unchanged config is
 * left alone and reported as such.
 * The CLI is infra/local/cli/connector.ts.
 */
import { resumeConnector } from './control';
import type { Settings } from '../settings';
import { connectorConfig } from './connector-config';
import { ensureCdcTopics } from './topics';
import { httpRequest, sleep } from '../proc';

export interface ConnectorStatus {
  connector: string;
  tasks: string[];
  trace?: string;
}

async function http(method: string, url: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await httpRequest(url, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, json: res.body };
}

export async function connectorStatus(cfg: Settings): Promise<ConnectorStatus | undefined> {
  const r = await http('GET', `${cfg.KAFKA_CONNECT_URL}/connectors/${cfg.DEBEZIUM_CONNECTOR_NAME}/status`);
  if (r.status === 404) return undefined;
  if (r.status !== 200) throw new Error(`Connect answered ${r.status}: ${JSON.stringify(r.json)}`);
  const tasks = (r.json.tasks ?? []) as { state: string; trace?: string }[];
  return {
    connector: r.json.connector?.state,
    tasks: tasks.map((t) => t.state),
    trace: tasks.find((t) => t.trace)?.trace ?? r.json.connector?.trace,
  };
}

/** Create or update the connector; returns 'created' | 'updated' | 'unchanged'. */
export async function registerConnector(
  cfg: Settings,
  log: (m: string) => void = console.log,
  opts: { attempts?: number; waitRunningMs?: number; restarts?: number } = {},
): Promise<'created' | 'updated' | 'unchanged'> {
  // Topics first, so Debezium writes into topics with the configured partition counts.
  await ensureCdcTopics(cfg, log);
  const desired = connectorConfig(cfg);
  const base = `${cfg.KAFKA_CONNECT_URL}/connectors/${cfg.DEBEZIUM_CONNECTOR_NAME}`;
  const attempts = opts.attempts ?? 10;
  let outcome: 'created' | 'updated' | 'unchanged' | undefined;
  for (let i = 1; i <= attempts && !outcome; i++) {
    try {
      const current = await http('GET', `${base}/config`);
      if (current.status === 200) {
        const same = Object.entries(desired).every(([k, v]) => current.json[k] === v);
        if (same) {
          outcome = 'unchanged';
          break;
        }
      }
      const put = await http('PUT', `${base}/config`, desired);
      if (put.status === 200 || put.status === 201) {
        outcome = put.status === 201 ? 'created' : 'updated';
        break;
      }
      throw new Error(`HTTP ${put.status}: ${typeof put.json === 'string' ? put.json : JSON.stringify(put.json)}`);
    } catch (err) {
      const delay = Math.min(1000 * 2 ** (i - 1), 10_000);
      log(`connector: attempt ${i}/${attempts} failed (${(err as Error).message}); retrying in ${delay} ms`);
      if (i === attempts)
        throw new Error(
          `could not register connector ${cfg.DEBEZIUM_CONNECTOR_NAME} at ${cfg.KAFKA_CONNECT_URL}: ${(err as Error).message}`,
        );
      await sleep(delay);
    }
  }
  if (outcome !== 'unchanged') log(`connector: ${cfg.DEBEZIUM_CONNECTOR_NAME} ${outcome}`);

  // Wait for RUNNING; a FAILED task is reported with the start of its stack trace.
  const deadline = Date.now() + (opts.waitRunningMs ?? 60_000);
  let resumed = false;
  let restarts = 0;
  const maxRestarts = opts.restarts ?? 5;
  for (;;) {
    const s = await connectorStatus(cfg).catch(() => undefined);
    // A capture bench or `npm run e2e -- --burst` interrupted while the connector was paused leaves it
    // so, and nothing would be captured again: registering it means running it.
    if (!resumed && s && (s.connector === 'PAUSED' || s.tasks.includes('PAUSED'))) {
      log(`connector: ${cfg.DEBEZIUM_CONNECTOR_NAME} was PAUSED (an interrupted burst leaves it so); resuming it`);
      await resumeConnector(cfg);
      resumed = true;
    }
    if (s && s.connector === 'RUNNING' && s.tasks.length > 0 && s.tasks.every((t) => t === 'RUNNING')) return outcome!;
    if (s && (s.connector === 'FAILED' || s.tasks.includes('FAILED')) && restarts < maxRestarts && Date.now() < deadline) {
      // A task fails for good when its database went away (kill -9 of Postgres: "Failed to create
      // TypeRegistry" while it recovers; found by the soak) and Connect never retries it: bringing the
      // stack up means restarting it, a few times while the database comes back.
      restarts++;
      log(`connector: ${cfg.DEBEZIUM_CONNECTOR_NAME} FAILED; restarting it (${restarts}/${maxRestarts})`);
      await http('POST', `${base}/restart?includeTasks=true&onlyFailed=true`).catch(() => undefined);
      await sleep(2000 * restarts);
      continue;
    }
    if (s && (s.connector === 'FAILED' || s.tasks.includes('FAILED'))) {
      throw new Error(`connector ${cfg.DEBEZIUM_CONNECTOR_NAME} FAILED: ${(s.trace ?? '').split('\n').slice(0, 3).join(' | ')}`);
    }
    if (Date.now() > deadline)
      throw new Error(`connector ${cfg.DEBEZIUM_CONNECTOR_NAME} not RUNNING after wait: ${JSON.stringify(s)}`);
    await sleep(500);
  }
}
