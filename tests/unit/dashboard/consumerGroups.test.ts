/** Consumer groups as the local Kafka event source finds them, from a recorded `sls print --format json`. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fallbackGroups, groupsFromService, serviceFromPrinted } from '../../../infra/local/dashboard/consumerGroups';
import { loadSettings } from '../../../infra/local/stack/settings';

const printed = JSON.parse(readFileSync(join(__dirname, '../../fixtures/dashboard/sls-print.json'), 'utf8')) as Record<
  string,
  unknown
>;
const topics = ['customers', 'accounts', 'transactions'].map((t) => `banking_server.public.${t}`);

test('the groups and topics of every kafka event in the resolved config', () => {
  const groups = groupsFromService(serviceFromPrinted(printed), {});
  expect(groups.flatMap((g) => g.topics).sort()).toEqual([...topics].sort());
  for (const g of groups) expect(g.groupId).toMatch(/\S/);
});

test('one group per topic in serverless.yml gives one group per topic here', () => {
  const copy = JSON.parse(JSON.stringify(printed)) as {
    functions: { writeBatch: { events: { kafka: Record<string, unknown> }[] } };
  };
  for (const e of copy.functions.writeBatch.events) e.kafka.consumerGroupId = `writer-${String(e.kafka.topic).split('.').pop()}`;
  const groups = groupsFromService(serviceFromPrinted(copy), {});
  expect(groups.map((g) => g.groupId).sort()).toEqual(['writer-accounts', 'writer-customers', 'writer-transactions']);
  expect(groups.find((g) => g.groupId === 'writer-accounts')?.topics).toEqual(['banking_server.public.accounts']);
});

test('until the config is resolved: <KAFKA_GROUP or the consumerGroupId param>-<table>, one per topic', () => {
  const cfg = loadSettings({});
  expect(fallbackGroups(cfg)).toEqual(
    ['customers', 'accounts', 'transactions'].map((t) => ({
      groupId: `banking_consumer_group-${t}`,
      topics: [`banking_server.public.${t}`],
    })),
  );
  expect(fallbackGroups(cfg, { consumerGroupId: 'e2e-x' })[0]!.groupId).toBe('e2e-x-customers');
});

test('the recorded config names the same groups as the fallback', () => {
  const resolved = groupsFromService(serviceFromPrinted(printed), {});
  expect(resolved.sort((a, b) => a.groupId.localeCompare(b.groupId))).toEqual(
    fallbackGroups(loadSettings({})).sort((a, b) => a.groupId.localeCompare(b.groupId)),
  );
});
