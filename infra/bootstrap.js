#!/usr/bin/env node
'use strict';
// Dependency-free pre-step of `npm start` and `npm test`: on a fresh clone, install the npm
// dependencies (npm ci) when node_modules is missing or older than package-lock.json.
const { existsSync, statSync } = require('node:fs');
const { execSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const lock = path.join(root, 'package-lock.json');
const marker = path.join(root, 'node_modules', '.package-lock.json');

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`[bootstrap] Node ${process.versions.node} is too old: this project needs Node >= 20.19 (require of ES modules).`);
  process.exit(1);
}

const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs;
if (stale) {
  console.log('[bootstrap] installing npm dependencies (npm ci)...');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
} else {
  console.log('[bootstrap] npm dependencies up to date');
}
