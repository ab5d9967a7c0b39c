'use strict';
/**
 * Values serverless.yml takes from the project's own code (`${file(./infra/aws/variables.js):name}`),
 * so that the template and the functions cannot disagree. CommonJS for osls; the TypeScript is
 * compiled on load by tsx's scoped require (as infra/local/offline-kafka/index.js does).
 */
const { require: tsxRequire } = require('tsx/cjs/api');

const { DEFAULT_DLQ_PREFIX, normaliseDlqPrefix } = tsxRequire('../../functions/shared/dlqPrefix.ts', __filename);

/** DLQ_PREFIX as the writer normalises it: its keys and its role's PutObject resource agree. */
function dlqPrefix() {
  const raw = process.env.DLQ_PREFIX;
  return normaliseDlqPrefix(raw === undefined || raw === '' ? DEFAULT_DLQ_PREFIX : raw) || DEFAULT_DLQ_PREFIX;
}

/** The alarms' actions: the alarmTopicArn param's SNS topic, or none (CloudFormation takes []). */
async function alarmActions({ resolveVariable }) {
  const arn = String(await resolveVariable('param:alarmTopicArn')).trim();
  return arn === '' ? [] : [arn];
}

module.exports = { dlqPrefix, alarmActions };
