import { lambdaEndpoint } from '../../../infra/local/lib/serverless';
import { serviceWith } from '../../fixtures/serverless';
import { readConsumerSpecs, securityFromEnv } from '../../../infra/local/offline-kafka/config';

const kafkaEvent = (topic: string, over: Record<string, unknown> = {}) => ({
  kafka: {
    topic,
    bootstrapServers: ['127.0.0.1:9092'],
    accessConfigurations: { saslScram512Auth: ['arn:aws:secretsmanager:us-east-1:000000000000:secret:x'] },
    batchSize: 500,
    maximumBatchingWindow: 5,
    startingPosition: 'TRIM_HORIZON',
    consumerGroupId: 'banking_consumer_group',
    ...over,
  },
});

describe('reading kafka events from the serverless config', () => {
  it('gives one consumer per mapping: serverless.yml names a consumer group per topic', () => {
    const specs = readConsumerSpecs(
      serviceWith({
        generate: { name: 'banking-cdc-dev-generate', events: [{ schedule: { rate: 'rate(1 minute)' } }] },
        writeBatch: {
          name: 'banking-cdc-dev-writeBatch',
          timeout: 120,
          events: ['customers', 'accounts', 'transactions'].map((t) =>
            kafkaEvent(`banking_server.public.${t}`, { consumerGroupId: `banking_consumer_group-${t}` }),
          ),
        },
        loadObject: { name: 'banking-cdc-dev-loadObject', events: [{ s3: { bucket: 'b' } }] },
      }),
    );
    expect(specs.map((s) => [s.groupId, s.topics.map((t) => t.topic)])).toEqual([
      ['banking_consumer_group-customers', ['banking_server.public.customers']],
      ['banking_consumer_group-accounts', ['banking_server.public.accounts']],
      ['banking_consumer_group-transactions', ['banking_server.public.transactions']],
    ]);
    for (const s of specs) {
      expect(s).toMatchObject({
        functionKey: 'writeBatch',
        functionName: 'banking-cdc-dev-writeBatch',
        timeoutSeconds: 120,
        brokers: ['127.0.0.1:9092'],
        ignoredAuth: ['accessConfigurations.saslScram512Auth'],
      });
    }
  });

  it('gives one consumer per function and group with all its topics and their settings', () => {
    const specs = readConsumerSpecs(
      serviceWith({
        writeBatch: {
          name: 'banking-cdc-dev-writeBatch',
          timeout: 120,
          events: ['customers', 'accounts', 'transactions'].map((t) => kafkaEvent(`banking_server.public.${t}`)),
        },
      }),
    );
    expect(specs).toHaveLength(1);
    const [s] = specs;
    expect(s).toMatchObject({ groupId: 'banking_consumer_group', brokers: ['127.0.0.1:9092'] });
    expect(s?.topics.map((t) => t.topic)).toEqual([
      'banking_server.public.customers',
      'banking_server.public.accounts',
      'banking_server.public.transactions',
    ]);
    expect(s?.topics[0]).toEqual({
      topic: 'banking_server.public.customers',
      batchSize: 500,
      maxBatchingWindowMs: 5000,
      startingPosition: 'TRIM_HORIZON',
      meta: { kind: 'SelfManagedKafka', bootstrapServers: '127.0.0.1:9092' },
    });
  });

  it('reads msk events with brokers from KAFKA_BOOTSTRAP and the cluster ARN', () => {
    const arn = 'arn:aws:kafka:us-east-1:000000000000:cluster/banking/abc-1';
    const [s] = readConsumerSpecs(
      serviceWith({
        w: {
          name: 'svc-dev-w',
          events: [{ msk: { arn, topic: 't1', batchSize: 10, startingPosition: 'LATEST', consumerGroupId: 'g' } }],
        },
      }),
      { env: { KAFKA_BOOTSTRAP: 'k1:9092, k2:9093' } },
    );
    expect(s?.brokers).toEqual(['k1:9092', 'k2:9093']);
    expect(s?.topics[0]).toMatchObject({
      batchSize: 10,
      maxBatchingWindowMs: 500, // Lambda's default for Kafka
      startingPosition: 'LATEST',
      meta: { kind: 'aws:kafka', eventSourceArn: arn, bootstrapServers: 'k1:9092,k2:9093' },
    });
  });

  it('applies Lambda defaults, names the function like serverless does, and skips disabled events', () => {
    const warnings: string[] = [];
    const specs = readConsumerSpecs(
      serviceWith({
        f: {
          events: [
            { kafka: { topic: 'a', bootstrapServers: ['h:1'] } },
            { kafka: { topic: 'b', bootstrapServers: ['h:1'], enabled: false } },
          ],
        },
      }),
      { warn: (m) => warnings.push(m) },
    );
    expect(specs).toEqual([
      {
        functionKey: 'f',
        functionName: 'banking-cdc-dev-f',
        timeoutSeconds: 6,
        groupId: 'banking-cdc-dev-f',
        brokers: ['h:1'],
        ignoredAuth: [],
        topics: [
          {
            topic: 'a',
            batchSize: 100,
            maxBatchingWindowMs: 500,
            startingPosition: 'TRIM_HORIZON',
            meta: { kind: 'SelfManagedKafka', bootstrapServers: 'h:1' },
          },
        ],
      },
    ]);
    expect(warnings.join('\n')).toMatch(/event 2 \(kafka\): disabled/);
  });

  it('separates consumers by group id and rejects bad settings with the event named', () => {
    const two = readConsumerSpecs(
      serviceWith({ f: { events: [kafkaEvent('a', { consumerGroupId: 'g1' }), kafkaEvent('b', { consumerGroupId: 'g2' })] } }),
    );
    expect(two.map((s) => s.groupId)).toEqual(['g1', 'g2']);
    expect(() => readConsumerSpecs(serviceWith({ f: { events: [kafkaEvent('a', { startingPosition: 'EARLIEST' })] } }))).toThrow(
      /f event 1 \(kafka\): startingPosition/,
    );
    expect(() => readConsumerSpecs(serviceWith({ f: { events: [kafkaEvent('a', { bootstrapServers: [] })] } }))).toThrow(
      /bootstrapServers is missing/,
    );
    expect(() => readConsumerSpecs(serviceWith({ f: { events: [kafkaEvent('a'), kafkaEvent('a')] } }))).toThrow(/appears twice/);
    expect(() => readConsumerSpecs(serviceWith({ f: { events: [kafkaEvent('a', { batchSize: 'many' })] } }))).toThrow(
      /batchSize must be a number/,
    );
  });

  it('finds the Lambda API from custom.serverless-offline, CLI options first', () => {
    const svc = serviceWith({}, { 'serverless-offline': { host: '127.0.0.1', lambdaPort: 3002 } });
    expect(lambdaEndpoint(svc)).toEqual({ host: '127.0.0.1', port: 3002 });
    expect(lambdaEndpoint(svc, { lambdaPort: '4002' })).toEqual({ host: '127.0.0.1', port: 4002 });
    expect(lambdaEndpoint(serviceWith({}, { 'serverless-offline': { host: '0.0.0.0' } }))).toEqual({
      host: '127.0.0.1',
      port: 3002,
    });
  });

  it('connects in plaintext unless env asks for TLS or SASL', () => {
    expect(securityFromEnv({})).toEqual({ ssl: false });
    expect(
      securityFromEnv({
        OFFLINE_KAFKA_SSL: 'true',
        OFFLINE_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        OFFLINE_KAFKA_SASL_USERNAME: 'u',
        OFFLINE_KAFKA_SASL_PASSWORD: 'p',
      }),
    ).toEqual({
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
    });
    expect(() => securityFromEnv({ OFFLINE_KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(/OFFLINE_KAFKA_SASL_MECHANISM/);
  });
});
