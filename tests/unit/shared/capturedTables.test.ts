/**
 * CAPTURED_TABLES, the one list of captured tables: what it drives (the connector's include list,
 * the topics and their partitions, the writer's Kafka mappings and MSK grants in serverless.yml),
 * and how a bad value stops start-up naming the variable.
 */
import { parseCapturedTables } from '../../../functions/shared/capturedTables';
import { ConfigError } from '../../../functions/shared/errors';
import { connectorConfig } from '../../../infra/local/stack/debezium/connector-config';
import { topicPartitions } from '../../../infra/local/stack/debezium/topics';
import { loadSettings } from '../../../infra/local/stack/settings';

// tsx's scoped require (what osls loads the TypeScript with) is jest's own require here, which compiles TypeScript.
jest.mock('tsx/cjs/api', () => ({
  require: (id: string, from: string) => require(require('node:path').resolve(require('node:path').dirname(from), id)),
}));

// CommonJS, for osls (serverless.yml's `${file(./infra/aws/capturedTables.js):...}`).

const capturedTablesJs = require('../../../infra/aws/capturedTables.js') as Record<
  string,
  (a: { resolveVariable: (v: string) => Promise<unknown> }) => Promise<unknown[]>
>;

describe('parseCapturedTables', () => {
  it("defaults to tables.ts's three tables, keeps order, drops repeats", () => {
    expect(parseCapturedTables(undefined)).toEqual(['customers', 'accounts', 'transactions']);
    expect(parseCapturedTables('')).toEqual(['customers', 'accounts', 'transactions']);
    expect(parseCapturedTables(' loans ,customers,loans,Risk_2')).toEqual(['loans', 'customers', 'Risk_2']);
  });

  it.each(['customers,', 'risk score', 'public.loans', '2fast', 'a-b'])('refuses %j, naming the variable', (v) => {
    expect(() => parseCapturedTables(v)).toThrow(ConfigError);
    expect(() => parseCapturedTables(v)).toThrow(/CAPTURED_TABLES/);
  });

  it('stops the settings at start-up', () => {
    expect(() => loadSettings({ CAPTURED_TABLES: 'customers,risk score' })).toThrow(/CAPTURED_TABLES/);
  });
});

describe('what the list drives', () => {
  const cfg = loadSettings({
    CAPTURED_TABLES: 'customers,accounts,transactions,loans',
    KAFKA_TOPIC_PARTITIONS: 'accounts=2,loans=3',
  });

  it('the connector captures exactly the listed tables and creates their topics', () => {
    const c = connectorConfig(cfg);
    expect(c['table.include.list']).toBe('public.customers,public.accounts,public.transactions,public.loans');
    expect(c['topic.creation.groups']).toBe('customers,accounts,transactions,loans');
    expect(c['topic.creation.loans.include']).toBe('banking_server\\.public\\.loans');
    expect(c['topic.creation.loans.partitions']).toBe('3');
  });

  it('topics: partitions from KAFKA_TOPIC_PARTITIONS, 1 for a table it does not name', () => {
    expect(Object.fromEntries(topicPartitions(cfg))).toEqual({ customers: 1, accounts: 2, transactions: 1, loans: 3 });
  });

  it('ignores a tables.ts table that is not captured (the default names them), refuses any other name', () => {
    const only = { CAPTURED_TABLES: 'loans', KAFKA_TOPIC_PARTITIONS: 'customers=1,accounts=2,transactions=4,loans=2' };
    expect(Object.fromEntries(topicPartitions(only))).toEqual({ loans: 2 });
    expect(() => topicPartitions({ ...only, KAFKA_TOPIC_PARTITIONS: 'lons=2' })).toThrow(/KAFKA_TOPIC_PARTITIONS names lons/);
  });

  describe("serverless.yml's writer mappings (infra/aws/capturedTables.js)", () => {
    const saved = process.env.CAPTURED_TABLES;
    beforeAll(() => {
      process.env.CAPTURED_TABLES = 'customers,loans';
    });
    afterAll(() => {
      if (saved === undefined) delete process.env.CAPTURED_TABLES;
      else process.env.CAPTURED_TABLES = saved;
    });
    const vars: Record<string, unknown> = {
      'param:kafkaSource': 'msk',
      'param:consumerGroupId': 'banking-cdc-prod',
      'self:custom.kafkaEventTemplates.msk': { msk: { arn: 'arn:cluster', batchSize: 10000 } },
      'self:custom.mskArn.account': 'ACCOUNT',
      'self:custom.mskArn.cluster': 'CLUSTER',
    };
    const resolveVariable = async (v: string) => vars[v];

    it('one mapping per captured table: its topic and its own consumer group', async () => {
      expect(await capturedTablesJs.kafkaEvents!({ resolveVariable })).toEqual([
        {
          msk: {
            arn: 'arn:cluster',
            batchSize: 10000,
            topic: 'banking_server.public.customers',
            consumerGroupId: 'banking-cdc-prod-customers',
          },
        },
        {
          msk: {
            arn: 'arn:cluster',
            batchSize: 10000,
            topic: 'banking_server.public.loans',
            consumerGroupId: 'banking-cdc-prod-loans',
          },
        },
      ]);
    });

    it("the writer's MSK grants name exactly those topics and groups", async () => {
      const join = (kind: string, name: string) => ({ 'Fn::Join': ['', ['ACCOUNT', `:${kind}/`, 'CLUSTER', '/', name]] });
      expect(await capturedTablesJs.mskTopicArns!({ resolveVariable })).toEqual([
        join('topic', 'banking_server.public.customers'),
        join('topic', 'banking_server.public.loans'),
      ]);
      expect(await capturedTablesJs.mskGroupArns!({ resolveVariable })).toEqual([
        join('group', 'banking-cdc-prod-customers'),
        join('group', 'banking-cdc-prod-loans'),
      ]);
    });
  });
});
