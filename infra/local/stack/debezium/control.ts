/**
 * Pause and resume the Debezium connector through Kafka Connect's REST API. Paused, Debezium
 * stops reading the replication slot and Postgres keeps the WAL, so what is committed meanwhile
 * arrives as one backlog on resume: how the capture bench and `npm run e2e -- --burst` make one.
 */
import type { Settings } from '../settings';
import { sleep } from '../proc';

type ConnectorSettings = Pick<Settings, 'KAFKA_CONNECT_URL' | 'DEBEZIUM_CONNECTOR_NAME'>;

async function put(cfg: ConnectorSettings, action: 'pause' | 'resume'): Promise<void> {
  const res = await fetch(`${cfg.KAFKA_CONNECT_URL}/connectors/${cfg.DEBEZIUM_CONNECTOR_NAME}/${action}`, { method: 'PUT' });
  if (!res.ok) throw new Error(`connector ${action}: HTTP ${res.status} ${await res.text()}`);
}

async function allPaused(cfg: ConnectorSettings): Promise<boolean> {
  const res = await fetch(`${cfg.KAFKA_CONNECT_URL}/connectors/${cfg.DEBEZIUM_CONNECTOR_NAME}/status`);
  const body = (await res.json()) as { connector: { state: string }; tasks: { state: string }[] };
  return [body.connector.state, ...body.tasks.map((t) => t.state)].every((s) => s === 'PAUSED');
}

/** Pauses the connector and waits (up to 20 s) until it and its tasks report PAUSED, or throws. */
export async function pauseConnector(cfg: ConnectorSettings): Promise<void> {
  await put(cfg, 'pause');
  for (let i = 0; i < 100; i++) {
    if (await allPaused(cfg)) return;
    await sleep(200);
  }
  await put(cfg, 'resume').catch(() => undefined);
  throw new Error(
    `connector ${cfg.DEBEZIUM_CONNECTOR_NAME} did not report PAUSED within 20 s; see ${cfg.KAFKA_CONNECT_URL}/connectors/${cfg.DEBEZIUM_CONNECTOR_NAME}/status`,
  );
}

export async function resumeConnector(cfg: ConnectorSettings): Promise<void> {
  await put(cfg, 'resume');
}
