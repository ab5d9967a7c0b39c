'use strict';
/**
 * The writer's Kafka event source mappings, one per captured table (CAPTURED_TABLES,
 * functions/shared/capturedTables.ts), for serverless.yml (`${file(./infra/aws/capturedTables.js):name}`),
 * and the MSK topic and group ARNs its role may use. The local Kafka event source (infra/local/offline-kafka)
 * reads the resolved mappings, so it follows the same list. Each mapping is the kafkaSource's template
 * (custom.kafkaEventTemplates) with the table's topic and consumer group (`<consumerGroupId>-<table>`:
 * AWS requires a group to be unique among Kafka event sources). CommonJS for osls, as variables.js.
 */
const { require: tsxRequire } = require('tsx/cjs/api');

const { parseCapturedTables } = tsxRequire('../../functions/shared/capturedTables.ts', __filename);
const { topicFor } = tsxRequire('../../functions/shared/tables.ts', __filename);
const { consumerGroupFor } = tsxRequire('../../functions/shared/consumerGroups.ts', __filename);

const tables = () => parseCapturedTables(process.env.CAPTURED_TABLES);
const topic = (table) => topicFor(table, process.env.KAFKA_TOPIC_PREFIX || 'banking_server');

async function groupPrefix(resolveVariable) {
  return String(await resolveVariable('param:consumerGroupId'));
}

/** writeBatch's events for the configured kafkaSource: one mapping per captured table. */
async function kafkaEvents({ resolveVariable }) {
  const source = String(await resolveVariable('param:kafkaSource'));
  const template = await resolveVariable(`self:custom.kafkaEventTemplates.${source}`);
  if (!template) throw new Error(`kafkaSource ${source}: expected selfManaged, selfManagedVpc or msk`);
  const [kind, settings] = Object.entries(template)[0];
  const prefix = await groupPrefix(resolveVariable);
  return tables().map((t) => ({ [kind]: { ...settings, topic: topic(t), consumerGroupId: consumerGroupFor(prefix, t) } }));
}

/** arn:...:cluster/<name>/<uuid> -> arn:...:<kind>/<name>/<uuid>/<name> (the MSK IAM resource of a topic or group). */
async function mskArns(resolveVariable, kind, names) {
  const account = await resolveVariable('self:custom.mskArn.account');
  const cluster = await resolveVariable('self:custom.mskArn.cluster');
  return names.map((n) => ({ 'Fn::Join': ['', [account, `:${kind}/`, cluster, '/', n]] }));
}

async function mskTopicArns({ resolveVariable }) {
  return mskArns(resolveVariable, 'topic', tables().map(topic));
}

async function mskGroupArns({ resolveVariable }) {
  const prefix = await groupPrefix(resolveVariable);
  return mskArns(
    resolveVariable,
    'group',
    tables().map((t) => consumerGroupFor(prefix, t)),
  );
}

module.exports = { kafkaEvents, mskTopicArns, mskGroupArns };
