/**
 * Shared by the Kafka event emulator (offline-kafka) and the pipeline page (its consumer groups).
 *
 * Reads the `kafka` (self-managed) and `msk` events of every function from the resolved
 * serverless config and turns them into consumer specs: one consumer group per function and
 * consumerGroupId, with each topic's own batchSize / window / starting position. serverless.yml
 * gives each topic's mapping a group of its own (AWS requires a group to be unique among Kafka
 * event sources), so locally, too, each topic is consumed by its own group.
 *
 * Locally there is no Secrets Manager and the stack's Kafka listens in plaintext, so
 * `accessConfigurations` (self-managed SASL/TLS secrets) and MSK auth are ignored; env can turn on
 * TLS/SASL (offline-kafka/config.ts securityFromEnv). MSK events name a cluster ARN, not brokers: KAFKA_BOOTSTRAP stands in.
 */
import { brokerList, emulatorSettings } from './emulatorSettings';
import { asRecord, deployedFunction, num, type ServiceLike } from './serverless';

export type KafkaEventSourceKind = 'SelfManagedKafka' | 'aws:kafka';

/** What the event says about where its records came from. */
export interface EventSourceMeta {
  kind: KafkaEventSourceKind;
  /** Comma-separated `host:port` list, as Lambda puts it in the event. */
  bootstrapServers: string;
  /** MSK only: the cluster ARN. */
  eventSourceArn?: string;
}

export type StartingPosition = 'TRIM_HORIZON' | 'LATEST';

export interface TopicOptions {
  topic: string;
  batchSize?: number;
  maxBatchingWindowMs?: number;
  startingPosition?: StartingPosition;
  /** How the event describes its source (self-managed vs MSK); defaults to the source-wide one. */
  meta?: EventSourceMeta;
}

export interface ConsumerSpec {
  functionKey: string;
  /** Deployed name `<service>-<stage>-<function>`: what serverless-offline's Lambda API knows it by. */
  functionName: string;
  timeoutSeconds: number;
  groupId: string;
  brokers: string[];
  topics: TopicOptions[];
  /** Auth settings found in serverless.yml and ignored locally (for the log). */
  ignoredAuth: string[];
}

// Lambda's defaults for Kafka event source mappings.
const DEFAULT_BATCH_SIZE = 100;
const DEFAULT_WINDOW_SECONDS = 0.5;

type KafkaEventConfig = Record<string, unknown>;

function startingPosition(v: unknown, where: string, warn: (m: string) => void): StartingPosition {
  if (v === undefined || v === 'TRIM_HORIZON') return 'TRIM_HORIZON';
  if (v === 'LATEST') return 'LATEST';
  if (v === 'AT_TIMESTAMP') {
    warn(`${where}: startingPosition AT_TIMESTAMP is not emulated locally; using TRIM_HORIZON`);
    return 'TRIM_HORIZON';
  }
  throw new Error(`${where}: startingPosition must be TRIM_HORIZON or LATEST, got ${JSON.stringify(v)}`);
}

export function readConsumerSpecs(
  service: ServiceLike,
  opts: { env?: NodeJS.ProcessEnv; warn?: (m: string) => void } = {},
): ConsumerSpec[] {
  const env = opts.env ?? process.env;
  const warn = opts.warn ?? (() => undefined);
  const specs = new Map<string, ConsumerSpec>();

  for (const functionKey of service.getAllFunctions()) {
    const fn = service.getFunction(functionKey);
    const { functionName, timeoutSeconds } = deployedFunction(service, functionKey);
    (fn.events ?? []).forEach((ev, i) => {
      const e = asRecord(ev);
      const kafka = asRecord(e?.kafka);
      const msk = asRecord(e?.msk);
      const cfg: KafkaEventConfig | undefined = kafka ?? msk;
      if (!cfg) return;
      const where = `${functionKey} event ${i + 1} (${kafka ? 'kafka' : 'msk'})`;
      if (cfg.enabled === false) {
        warn(`${where}: disabled in serverless.yml, not consumed`);
        return;
      }
      const topic = cfg.topic;
      if (typeof topic !== 'string' || topic === '') throw new Error(`${where}: topic is missing`);

      let brokers: string[];
      let meta: EventSourceMeta;
      const ignoredAuth: string[] = [];
      if (kafka) {
        const list = Array.isArray(cfg.bootstrapServers) ? cfg.bootstrapServers : [cfg.bootstrapServers];
        brokers = list.filter((b): b is string => typeof b === 'string' && b.trim() !== '').map((b) => b.trim());
        if (brokers.length === 0) throw new Error(`${where}: bootstrapServers is missing`);
        meta = { kind: 'SelfManagedKafka', bootstrapServers: brokers.join(',') };
        const access = asRecord(cfg.accessConfigurations);
        if (access) ignoredAuth.push(...Object.keys(access).map((k) => `accessConfigurations.${k}`));
      } else {
        brokers = brokerList(emulatorSettings(env).KAFKA_BOOTSTRAP);
        const arn = typeof cfg.arn === 'string' ? cfg.arn : '';
        meta = { kind: 'aws:kafka', eventSourceArn: arn, bootstrapServers: brokers.join(',') };
        for (const k of ['saslScram512', 'saslScram256', 'saslIam']) if (cfg[k]) ignoredAuth.push(k);
      }

      const groupId = typeof cfg.consumerGroupId === 'string' && cfg.consumerGroupId ? cfg.consumerGroupId : functionName;
      const topicSpec: TopicOptions = {
        topic,
        batchSize: num(cfg.batchSize, `${where}: batchSize`, DEFAULT_BATCH_SIZE),
        // osls leaves a zero window out of the template, and Lambda then applies its Kafka default
        // (500 ms): so 0 means that default here too, as it does once deployed.
        maxBatchingWindowMs: Math.round(
          (num(cfg.maximumBatchingWindow, `${where}: maximumBatchingWindow`, DEFAULT_WINDOW_SECONDS) || DEFAULT_WINDOW_SECONDS) *
            1000,
        ),
        startingPosition: startingPosition(cfg.startingPosition, where, warn),
        meta,
      };

      // One consumer per function, group and cluster; each of its topics keeps its own settings.
      const key = `${functionKey}\u0000${groupId}\u0000${brokers.join(',')}`;
      const spec = specs.get(key);
      if (!spec) {
        specs.set(key, { functionKey, functionName, timeoutSeconds, groupId, brokers, topics: [topicSpec], ignoredAuth });
        return;
      }
      if (spec.topics.some((t) => t.topic === topic))
        throw new Error(`${where}: topic ${topic} appears twice for group ${groupId}`);
      spec.topics.push(topicSpec);
      for (const a of ignoredAuth) if (!spec.ignoredAuth.includes(a)) spec.ignoredAuth.push(a);
    });
  }
  return [...specs.values()];
}
