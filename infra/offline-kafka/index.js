'use strict';
// Placeholder: the local Kafka event source for serverless-offline (issue 4) plugs in here.
class OfflineKafka {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {};
  }
}
module.exports = OfflineKafka;
