/**
 * Apache Kafka 4.x, single node in KRaft mode (broker + controller), from Maven Central jars:
 * formatted once with StorageTool, run with `kafka.Kafka server.properties`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { serviceDirs, type Service, type StackContext } from '../service';
import { kafkaBrokers } from '../settings';
import { portOpen, run } from '../proc';
import { classpath, ensureJvmArtifacts, javaBin, jvmLifecycle, writeJvmFiles } from './jvm';

const dirs = (ctx: StackContext) =>
  serviceDirs(ctx, 'kafka', {
    data: 'data',
    props: 'server.properties',
    log4j: 'log4j2.properties',
    log: 'kafka.log',
    pid: 'kafka.pid',
  });

export function brokerHostPort(ctx: StackContext): { host: string; port: number } {
  const first = kafkaBrokers(ctx.cfg)[0] ?? '127.0.0.1:9092';
  const [host, port] = first.split(':');
  return { host: host || '127.0.0.1', port: Number(port || 9092) };
}

export function kafkaAdmin(ctx: StackContext) {
  return new Kafka({
    clientId: 'banking-stack',
    brokers: kafkaBrokers(ctx.cfg),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1500,
    requestTimeout: 3000,
    retry: { retries: 0 },
  }).admin();
}

export const kafkaService: Service = {
  name: 'kafka',
  startTimeoutMs: 90_000,
  ports: (ctx) => [
    { port: brokerHostPort(ctx).port, variable: 'KAFKA_BOOTSTRAP' },
    { port: ctx.cfg.KAFKA_CONTROLLER_PORT, variable: 'KAFKA_CONTROLLER_PORT' },
  ],
  logFile: (ctx) => dirs(ctx).log,

  async provision(ctx) {
    const changed = await ensureJvmArtifacts(ctx);
    const d = dirs(ctx);
    const { host, port } = brokerHostPort(ctx);
    mkdirSync(d.base, { recursive: true });
    const props = [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${ctx.cfg.KAFKA_CONTROLLER_PORT}`,
      `listeners=PLAINTEXT://${host}:${port},CONTROLLER://127.0.0.1:${ctx.cfg.KAFKA_CONTROLLER_PORT}`,
      `advertised.listeners=PLAINTEXT://${host}:${port}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      `log.dirs=${d.data}`,
      'num.partitions=1',
      'auto.create.topics.enable=true',
      'offsets.topic.replication.factor=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      // Local disk is precious: a week of change events, and at most 2 GiB a partition, is plenty for
      // replays (the lake keeps everything). Without the size cap a few bench runs' deposits filled a
      // 90 GB disk (42 GB of Kafka logs): Kafka then failed its fetches and MinIO its PUTs. Segments
      // of 256 MiB so that the cap deletes in steps that small.
      'log.retention.hours=168',
      `log.retention.bytes=${2 * 1024 ** 3}`,
      `log.segment.bytes=${256 * 1024 ** 2}`,
    ];
    writeJvmFiles(d, props);
    if (existsSync(join(d.data, 'meta.properties'))) return changed;
    ctx.log('kafka: formatting KRaft storage...');
    const clusterId = randomBytes(16).toString('base64url');
    run(javaBin(), [
      `-Dlog4j2.configurationFile=${d.log4j}`,
      '-cp',
      classpath(ctx),
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      d.props,
    ]);
    return true;
  },

  ...jvmLifecycle(dirs, 'kafka.Kafka', (_ctx, d) => ({ sysProps: { 'kafka.logs.dir': d.base } })),

  async health(ctx) {
    const { host, port } = brokerHostPort(ctx);
    if (!(await portOpen(port, host))) return { healthy: false, detail: 'not listening' };
    const admin = kafkaAdmin(ctx);
    try {
      await admin.connect();
      const c = await admin.describeCluster();
      const topics = await admin.listTopics();
      const cdc = topics.filter((t) => t.startsWith(`${ctx.cfg.KAFKA_TOPIC_PREFIX}.`)).length;
      return { healthy: c.brokers.length > 0, detail: `KRaft, ${c.brokers.length} broker, ${topics.length} topics (${cdc} CDC)` };
    } catch (err) {
      return { healthy: false, detail: (err as Error).message };
    } finally {
      await admin.disconnect().catch(() => {});
    }
  },
};
