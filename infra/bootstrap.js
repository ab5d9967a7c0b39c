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
// `npm install` rather than `npm ci`: registries that do not serve other platforms' optional
// binaries (e.g. @duckdb/node-bindings-darwin-arm64) leave them out of the lock, which `npm ci`
// rejects as "out of sync". With the lock present, `npm install` installs exactly its versions.
execSync('npm install --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
writeFileSync(stamp, createHash('sha256').update(readFileSync(lockFile)).digest('hex') + '\n');
