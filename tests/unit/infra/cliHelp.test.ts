/**
 * Every CLI answers --help with its usage and exits 0, without starting or connecting to anything:
 * each `npm run` script that runs one of our TypeScript CLIs (read from package.json, so a new
 * script is covered), and the two CLIs the README gives by path.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli, type CliResult } from './cliRun';

jest.setTimeout(180_000);

const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const npmClis = Object.entries(scripts)
  .map(([name, cmd]) => [name, /^tsx (\S+\.ts)$/.exec(cmd)?.[1]] as const)
  .filter((e): e is readonly [string, string] => e[1] !== undefined);
const byPath = ['infra/local/stack/python.ts', 'infra/local/cli/warehouseDdl.ts'];

const results = new Map<string, CliResult>();
beforeAll(async () => {
  const files = [...npmClis.map(([, file]) => file), ...byPath];
  // Nothing listens at these: a CLI that tried to reach a service would fail, not pass.
  const env = { ...process.env, POSTGRES_PORT: '1', KAFKA_BOOTSTRAP: '127.0.0.1:1', MINIO_ENDPOINT: 'http://127.0.0.1:1' };
  await Promise.all(files.map(async (f) => results.set(f, await runCli(f, ['--help'], env))));
});

test('the npm scripts covered are the ones that take options', () => {
  expect(npmClis.map(([name]) => name).sort()).toEqual(
    [
      'backfill',
      'bench',
      'connector',
      'dlq',
      'doctor',
      'e2e',
      'generate',
      'record-events',
      'soak',
      'stack',
      'start',
      'verify',
    ].sort(),
  );
});

test.each(npmClis)('npm run %s -- --help prints its usage and exits 0', (name, file) => {
  const r = results.get(file)!;
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  expect(r.stdout).toMatch(new RegExp(`^usage: npm (run ${name}|${name})\\b`, 'im'));
});

test.each(byPath)('tsx %s --help prints its usage and exits 0', (file) => {
  const r = results.get(file)!;
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  expect(r.stdout).toMatch(new RegExp(`^usage: npx tsx ${file}`, 'm'));
});
