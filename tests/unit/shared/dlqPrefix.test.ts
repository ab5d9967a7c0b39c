/**
 * The dead-letter prefix is normalised in one place (functions/shared/dlqPrefix.ts) for the
 * writer's keys and for its IAM resource (serverless.yml, through infra/aws/variables.js): with
 * `DLQ_PREFIX=_dlq/` the role once allowed `_dlq//*` while keys were `_dlq/...`: AccessDenied.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadWriterConfig } from '../../../functions/writer/config';
import { ConfigError } from '../../../functions/shared/errors';

/** What serverless.yml resolves `${file(./infra/aws/variables.js):dlqPrefix}` to, run as osls runs it (plain node). */
function templatePrefix(raw: string): string {
  const script = `process.env.DLQ_PREFIX = process.argv[1]; console.log(require('./infra/aws/variables.js').dlqPrefix())`;
  return execFileSync(process.execPath, ['-e', script, raw], { cwd: join(__dirname, '../../..'), encoding: 'utf8' }).trim();
}

describe('DLQ_PREFIX', () => {
  test.each([
    ['_dlq', '_dlq'],
    ['_dlq/', '_dlq'],
    ['/_dlq', '_dlq'],
    [' _dlq// ', '_dlq'],
    ['errors//dead/', 'errors/dead'],
  ])('%j: keys and the IAM resource both use %j', (raw, normalised) => {
    expect(loadWriterConfig({ DLQ_PREFIX: raw }).DLQ_PREFIX).toBe(normalised);
    expect(templatePrefix(raw)).toBe(normalised);
  });

  test('unset: _dlq for both', () => {
    expect(loadWriterConfig({}).DLQ_PREFIX).toBe('_dlq');
  });

  test('only slashes: start-up stops naming the variable', () => {
    expect(() => loadWriterConfig({ DLQ_PREFIX: '//' })).toThrow(ConfigError);
    expect(() => loadWriterConfig({ DLQ_PREFIX: '//' })).toThrow(/DLQ_PREFIX/);
  });
});
