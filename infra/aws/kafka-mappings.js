'use strict';
/**
 * What osls cannot say about a function's Kafka/MSK event source mappings, set on every one of
 * them after the events are compiled (`custom.kafkaMappings`: function key -> settings):
 *
 * - `onFailure`: `DestinationConfig.OnFailure` (osls gives `kafka` events a string ARN only and `msk`
 *   events none, and an MSK mapping's logical id embeds the cluster name, so `resources.extensions`
 *   cannot name it). May be an intrinsic function.
 * - `provisioned` (true/false): provisioned mode (`ProvisionedPollerConfig` from `minimumPollers`,
 *   `maximumPollers`), and with it what AWS offers Kafka mappings only in that mode: bounded
 *   retries (`maximumRetryAttempts`), a maximum record age (`maximumRecordAgeInSeconds`) and
 *   `bisectBatchOnFunctionError`. Off: Lambda retries a failing batch until Kafka's retention
 *   expires its records (docs/deploy.md).
 */
const { templatePlugin } = require('./templatePlugin');

function asBool(v) {
  return v === true || v === 'true';
}

function mappingSettings(s) {
  const out = {};
  if (s.onFailure !== undefined) out.DestinationConfig = { OnFailure: { Destination: s.onFailure } };
  if (!asBool(s.provisioned)) return out;
  out.ProvisionedPollerConfig = { MinimumPollers: Number(s.minimumPollers), MaximumPollers: Number(s.maximumPollers) };
  out.MaximumRetryAttempts = Number(s.maximumRetryAttempts);
  out.MaximumRecordAgeInSeconds = Number(s.maximumRecordAgeInSeconds);
  out.BisectBatchOnFunctionError = asBool(s.bisectBatchOnFunctionError);
  return out;
}

function apply(serverless) {
  const service = serverless.service;
  const wanted = (service.custom && service.custom.kafkaMappings) || {};
  const resources = service.provider.compiledCloudFormationTemplate.Resources;
  const naming = serverless.getProvider('aws').naming;
  for (const [functionKey, settings] of Object.entries(wanted)) {
    const fnLogicalId = naming.getLambdaLogicalId(functionKey);
    for (const r of Object.values(resources)) {
      if (r.Type !== 'AWS::Lambda::EventSourceMapping') continue;
      const p = r.Properties;
      const kafka = Array.isArray(p.Topics); // only Kafka and MSK mappings have topics
      const target = p.FunctionName && p.FunctionName['Fn::GetAtt'] && p.FunctionName['Fn::GetAtt'][0];
      if (!kafka || target !== fnLogicalId) continue;
      Object.assign(p, mappingSettings(settings));
    }
  }
}

module.exports = templatePlugin('after:package:compileEvents', apply);
module.exports.mappingSettings = mappingSettings;
