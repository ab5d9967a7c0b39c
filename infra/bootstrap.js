#!/usr/bin/env node
'use strict';
// Dependency-free pre-step of `npm start` and `npm test`: on a fresh clone (or after
// package-lock.json changed), install the npm dependencies. Idempotent and quick otherwise.
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { execSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const path = require('node:path');

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
console.log('[bootstrap] installing npm dependencies...');
// `npm ci`: exactly the lock's versions, and it never rewrites package-lock.json, so a fresh
// clone's tree stays clean. The lock lists every platform's optional binaries (npm >= 11).
execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
writeFileSync(stamp, createHash('sha256').update(readFileSync(lockFile)).digest('hex') + '\n');
