'use strict';
// Entry of the event-source thread (see thread.ts): plain CommonJS that compiles the TypeScript with tsx.
const { require: tsxRequire } = require('tsx/cjs/api');

tsxRequire('./thread.ts', __filename);
