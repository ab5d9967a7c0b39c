'use strict';
/**
 * serverless-esbuild (1.57.2) stages each function's archive in `<tmpdir>/<name>-<pid>-<ms>-<hex>`
 * and its clean-up removes that folder non-recursively, fails on the files in it and ignores the
 * failure (upstream floydspace/serverless-esbuild#589): every `sls package` or `sls deploy` left
 * ~140 MB in /tmp (254 such folders, 32 GB, filled this machine's disk). After packaging, this
 * removes the staging folders of this process only (its pid is in their names), so a concurrent
 * `sls` elsewhere keeps its own.
 */
const { readdirSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

/** The names among `entries` that are serverless-esbuild staging folders of process `pid`. */
function stagingFolders(entries, pid) {
  const shape = new RegExp(`^.+-${pid}-\\d{13}-[0-9a-f]{8}$`);
  return entries.filter((name) => shape.test(name));
}

function removeStagingFolders(dir = tmpdir(), pid = process.pid) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const removed = stagingFolders(entries, pid);
  for (const name of removed) rmSync(join(dir, name), { recursive: true, force: true });
  return removed;
}

class ZipStagingCleanup {
  constructor() {
    const clean = () => {
      removeStagingFolders();
    };
    this.hooks = {
      'after:package:createDeploymentArtifacts': clean,
      'after:deploy:function:packageFunction': clean,
    };
  }
}

module.exports = ZipStagingCleanup;
module.exports.stagingFolders = stagingFolders;
module.exports.removeStagingFolders = removeStagingFolders;
