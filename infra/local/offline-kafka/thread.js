'use strict';
// Entry of an event-source thread (see thread.ts): plain CommonJS that loads the thread's code
// (the bundle the plugin built, threadBundle.ts, else the TypeScript through tsx) and imports
// serverless-offline's ESM Lambda class with Node's own import().
const { workerData } = require('node:worker_threads');

const thread = workerData.bundle ? require(workerData.bundle) : require('tsx/cjs/api').require('./thread.ts', __filename);

thread.run(() => import('serverless-offline/lambda').then((m) => m.default));
