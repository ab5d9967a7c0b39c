'use strict';
/**
 * osls loads plugins with require(), so this entry is plain CommonJS. The plugin itself is
 * TypeScript (plugin.ts and its modules); tsx's scoped require compiles them on load without
 * registering a process-wide hook, so nothing else osls or serverless-offline loads is affected.
 */
const { require: tsxRequire } = require('tsx/cjs/api');

const { OfflineS3Plugin } = tsxRequire('./plugin.ts', __filename);

module.exports = OfflineS3Plugin;
