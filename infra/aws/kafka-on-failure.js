'use strict';
/**
 * osls gives `kafka` events an `onFailureDestination` string only (no CloudFormation reference) and
 * `msk` events none, and an MSK mapping's logical id embeds the cluster name, so
 * `resources.extensions` cannot name it. This plugin sets `DestinationConfig.OnFailure` on every
 * Kafka/MSK event source mapping of the functions listed in `custom.kafkaOnFailure`
 * (function key -> destination ARN, may be an intrinsic function), after the events are compiled.
 */
class KafkaOnFailurePlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'after:package:compileEvents': () => this.apply() };
  }

  apply() {
    const service = this.serverless.service;
    const wanted = (service.custom && service.custom.kafkaOnFailure) || {};
    const resources = service.provider.compiledCloudFormationTemplate.Resources;
    const naming = this.serverless.getProvider('aws').naming;
    for (const [functionKey, destination] of Object.entries(wanted)) {
      const fnLogicalId = naming.getLambdaLogicalId(functionKey);
      for (const r of Object.values(resources)) {
        if (r.Type !== 'AWS::Lambda::EventSourceMapping') continue;
        const p = r.Properties;
        const kafka = Array.isArray(p.Topics); // only Kafka and MSK mappings have topics
        const target = p.FunctionName && p.FunctionName['Fn::GetAtt'] && p.FunctionName['Fn::GetAtt'][0];
        if (!kafka || target !== fnLogicalId) continue;
        p.DestinationConfig = { OnFailure: { Destination: destination } };
      }
    }
  }
}

module.exports = KafkaOnFailurePlugin;
