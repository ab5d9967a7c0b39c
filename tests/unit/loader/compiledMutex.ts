/** writerMutex.ts compiled for plain Node, for worker threads (they do not get jest's transform). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function compiledMutex(): string {
  const { transformFileSync } = require('@swc/core') as typeof import('@swc/core');
  const out = transformFileSync(join(__dirname, '../../../functions/loader/writerMutex.ts'), {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  }).code;
  const mod = join(mkdtempSync(join(tmpdir(), 'mutex-module-')), 'writerMutex.js');
  writeFileSync(mod, out);
  return mod;
}
