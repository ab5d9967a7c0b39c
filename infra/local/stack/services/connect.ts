/**
 * Kafka Connect (distributed mode, one worker) with the Debezium PostgreSQL plugin on its
 * plugin.path; REST API on KAFKA_CONNECT_URL. Configuring it registers the connector.
 */
import { mkdirSync } from 'node:fs';
import { serviceDirs, type Service, type StackContext } from '../service';
import { kafkaBrokers, urlPort } from '../settings';
import { httpGet, portOpen } from '../proc';
import { ensureJvmArtifacts, jvmDirs, jvmLifecycle, writeJvmFiles } from './jvm';
import { connectorStatus, registerConnector } from '../debezium/register';

const dirs = (ctx: StackContext) =>
  serviceDirs(ctx, 'connect', {
    props: 'connect.properties',
    log4j: 'log4j2.properties',
    log: 'connect.log',
    pid: 'connect.pid',
  });

export const connectService: Service = {
  name: 'connect',
  startTimeoutMs: 120_000,
  ports: (ctx) => [{ port: urlPort(ctx.cfg.KAFKA_CONNECT_URL), variable: 'KAFKA_CONNECT_URL' }],
  logFile: (ctx) => dirs(ctx).log,

  async provision(ctx) {
    const changed = await ensureJvmArtifacts(ctx);
    const d = dirs(ctx);
    mkdirSync(d.base, { recursive: true });
    const url = new URL(ctx.cfg.KAFKA_CONNECT_URL);
    const props = [
      `bootstrap.servers=${kafkaBrokers(ctx.cfg).join(',')}`,
      'group.id=banking-connect',
      'key.converter=org.apache.kafka.connect.json.JsonConverter',
      'value.converter=org.apache.kafka.connect.json.JsonConverter',
      'key.converter.schemas.enable=false',
      'value.converter.schemas.enable=false',
      'config.storage.topic=_connect_configs',
      'offset.storage.topic=_connect_offsets',
      'status.storage.topic=_connect_status',
      'config.storage.replication.factor=1',
      'offset.storage.replication.factor=1',
      'status.storage.replication.factor=1',
      // Commit source offsets (the slot's confirmed LSN) often, so a restart replays little.
      'offset.flush.interval.ms=1000',
      `listeners=http://${url.hostname}:${urlPort(ctx.cfg.KAFKA_CONNECT_URL)}`,
      `plugin.path=${jvmDirs(ctx).plugins}`,
      'topic.creation.enable=true',
      // Every plugin on the path ships ServiceLoader manifests: the default (hybrid_warn) also scans
      // every jar by reflection, which took 18.6 s of each Connect start here (400 ms without).
      'plugin.discovery=service_load',
      // Connector configs reference secrets as ${env:NAME}; the worker resolves them.
      'config.providers=env',
      'config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider',
    ];
    writeJvmFiles(d, props);
    return changed;
  },

  ...jvmLifecycle(dirs, 'org.apache.kafka.connect.cli.ConnectDistributed', (ctx) => ({
    env: { ...process.env, POSTGRES_REPLICATION_PASSWORD: ctx.cfg.POSTGRES_REPLICATION_PASSWORD },
  })),

  async health(ctx) {
    if (!(await portOpen(urlPort(ctx.cfg.KAFKA_CONNECT_URL)))) return { healthy: false, detail: 'not listening' };
    try {
      const root = await httpGet(ctx.cfg.KAFKA_CONNECT_URL + '/');
      if (root.status !== 200) return { healthy: false, detail: `REST answered ${root.status}` };
      const version = (root.body as { version?: string }).version;
      const plugins = await httpGet(ctx.cfg.KAFKA_CONNECT_URL + '/connector-plugins');
      const hasDebezium = JSON.stringify(plugins.body).includes('PostgresConnector');
      return {
        healthy: hasDebezium,
        detail: `Connect ${version}, Debezium plugin ${hasDebezium ? 'loaded' : 'MISSING from plugin.path'}`,
      };
    } catch (err) {
      return { healthy: false, detail: (err as Error).message };
    }
  },
};

/** The Debezium connector, living inside Connect: started by registering it, healthy when RUNNING. */
export const debeziumService: Service = {
  name: 'debezium',
  startTimeoutMs: 90_000,
  ports: () => [],
  logFile: (ctx) => dirs(ctx).log,
  provision: async () => false,
  async start(ctx) {
    const outcome = await registerConnector(ctx.cfg, (m) => ctx.log(m), { waitRunningMs: 90_000 });
    ctx.log(`debezium: connector ${ctx.cfg.DEBEZIUM_CONNECTOR_NAME} ${outcome}`);
  },
  async health(ctx) {
    try {
      const s = await connectorStatus(ctx.cfg);
      if (!s) return { healthy: false, detail: `connector ${ctx.cfg.DEBEZIUM_CONNECTOR_NAME} not registered` };
      const ok = s.connector === 'RUNNING' && s.tasks.length > 0 && s.tasks.every((t) => t === 'RUNNING');
      return {
        healthy: ok,
        detail: `${ctx.cfg.DEBEZIUM_CONNECTOR_NAME}: connector ${s.connector}, tasks ${s.tasks.join(',') || 'none'}`,
      };
    } catch (err) {
      return { healthy: false, detail: (err as Error).message };
    }
  },
  // Stopping Connect stops the connector; its registration and offsets stay in Kafka.
  stop: async () => false,
  async configure(ctx) {
    // Keep the registered config in step with .env (e.g. a changed password): updates only when it differs.
    return (await registerConnector(ctx.cfg, (m) => ctx.log(m), { waitRunningMs: 90_000 })) !== 'unchanged';
  },
};
