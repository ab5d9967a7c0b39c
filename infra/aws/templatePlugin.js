'use strict';
/**
 * An osls plugin that edits the template at one lifecycle event: `edit(serverless)` runs then.
 * The plugins of infra/aws share it so that each says only what it changes.
 */
function templatePlugin(event, edit) {
  return class TemplatePlugin {
    constructor(serverless) {
      this.serverless = serverless;
      this.hooks = { [event]: () => edit(serverless) };
    }
  };
}

module.exports = { templatePlugin };
