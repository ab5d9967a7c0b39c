#!/usr/bin/env node
'use strict';
// Dependency-free pre-step of `npm start` and `npm test`: on a fresh clone (or after
// package-lock.json changed), install the npm dependencies. Idempotent and quick otherwise.
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { spawn } = require('node:child_process');
const { createHash } = require('node:crypto');
const path = require('node:path');
const { withHeartbeat } = require('./local/stack/heartbeat');

const root = path.resolve(__dirname, '..');
const lockFile = path.join(root, 'package-lock.json');
const stamp = path.join(root, 'node_modules', '.bootstrap-lock-sha256');

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(
    `[bootstrap] Node ${process.versions.node} is too old: this project needs Node >= 20.19 (require of ES modules).`,
  );
  process.exit(1);
}

const sha = createHash('sha256').update(readFileSync(lockFile)).digest('hex');
if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === sha) {
  console.log('[bootstrap] npm dependencies up to date');
  process.exit(0);
}
// `npm ci`: exactly the lock's versions, and it never rewrites package-lock.json, so a fresh
// clone's tree stays clean. The lock lists every platform's optional binaries (npm >= 11).
function npmCi() {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
    child.once('error', (err) => reject(new Error(`npm could not run (${err.code}): it comes with Node, https://nodejs.org`)));
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`npm ci exited ${code} (its output is above)`))));
  });
}

const log = (m) => console.log(`[bootstrap] ${m}`);
withHeartbeat(
  {
    doing: 'installing npm dependencies',
    detail: 'with npm ci (first run only)',
    done: 'npm dependencies installed',
    log,
  },
  npmCi,
).then(
  () => writeFileSync(stamp, createHash('sha256').update(readFileSync(lockFile)).digest('hex') + '\n'),
  (err) => {
    console.error(`[bootstrap] ${err.message}`);
    process.exit(1);
  },
);
