/**
 * Reads the `kafka` (self-managed) and `msk` events of every function from the resolved
 * serverless config and turns them into consumer specs: one consumer group per function and
 * consumerGroupId, with each topic's own batchSize / window / starting position. serverless.yml
 * gives each topic's mapping a group of its own (AWS requires a group to be unique among Kafka
 * event sources), so locally, too, each topic is consumed by its own group.
 *
 * Locally there is no Secrets Manager and the stack's Kafka listens in plaintext, so
 * `accessConfigurations` (self-managed SASL/TLS secrets) and MSK auth are ignored; env can turn on
 * TLS/SASL (see securityFromEnv). MSK events name a cluster ARN, not brokers: KAFKA_BOOTSTRAP stands in.
 */
import type { SASLOptions } from 'kafkajs';

export { readConsumerSpecs, type ConsumerSpec } from '../lib/kafkaEvents';

export interface Security {
  ssl: boolean;
  sasl?: SASLOptions;
}

/**
 * Plaintext unless OFFLINE_KAFKA_SSL=true and/or OFFLINE_KAFKA_SASL_MECHANISM
 * (plain | scram-sha-256 | scram-sha-512) with OFFLINE_KAFKA_SASL_USERNAME / _PASSWORD are set.
 */
export function securityFromEnv(env: NodeJS.ProcessEnv = process.env): Security {
  const ssl = env.OFFLINE_KAFKA_SSL === 'true' || env.OFFLINE_KAFKA_SSL === '1';
  const mechanism = env.OFFLINE_KAFKA_SASL_MECHANISM?.toLowerCase();
  if (!mechanism) return { ssl };
  const username = env.OFFLINE_KAFKA_SASL_USERNAME ?? '';
  const password = env.OFFLINE_KAFKA_SASL_PASSWORD ?? '';
  if (mechanism !== 'plain' && mechanism !== 'scram-sha-256' && mechanism !== 'scram-sha-512') {
    throw new Error(`OFFLINE_KAFKA_SASL_MECHANISM must be plain, scram-sha-256 or scram-sha-512, got ${mechanism}`);
  }
  return { ssl, sasl: { mechanism, username, password } };
}
