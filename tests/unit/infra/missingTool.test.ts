/**
 * Past the doctor, the stack's own code meets a missing or broken tool with the same clear error
 * (MissingToolError: the tool and the command that installs it), never a bare `spawnSync ENOENT` or
 * an unhandled 'error' event: each first-run step is run here on a machine that lacks its tool.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeContext } from '../../../infra/local/stack/context';
import { startDetached } from '../../../infra/local/stack/proc';
import { MissingToolError } from '../../../infra/local/stack/prerequisites';
import { findPython } from '../../../infra/local/stack/python';
import { ensureChromium } from '../../../infra/local/stack/services/chromium';
import { kafkaService } from '../../../infra/local/stack/services/kafka';
import { minioService } from '../../../infra/local/stack/services/minio';
import { postgresService } from '../../../infra/local/stack/services/postgres';
import { loadSettings } from '../../../infra/local/stack/settings';
import { pathWithout, runCli, STACK_TRACE } from './cliRun';

jest.setTimeout(60_000);

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

/** A stack context on empty folders, so every first-run step is due. */
function freshContext(env: NodeJS.ProcessEnv = {}) {
  const cfg = loadSettings({ ...process.env, STACK_CACHE_DIR: tmp('cache-'), STACK_DIR: tmp('stack-'), ...env });
  return makeContext({ quiet: true, cfg });
}

const apt = (pkgs: string) => new RegExp(`Install: (sudo )?apt-get install -y ${pkgs}`);

test('no go: building MinIO says so and how to install Go', async () => {
  process.env.PATH = pathWithout(['go']);
  const err = await minioService.provision(freshContext()).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(MissingToolError);
  expect((err as Error).message).toMatch(
    /^go: go not found on PATH \(builds MinIO.*Install: Go >= 1\.24 from https:\/\/go\.dev\/dl\//,
  );
});

test('a broken JAVA_HOME: resolving the Kafka jars says so before Maven runs', async () => {
  process.env.JAVA_HOME = '/nonexistent/jdk-17';
  const err = await kafkaService.provision(freshContext()).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(MissingToolError);
  expect((err as Error).message).toMatch(/^java: JAVA_HOME=\/nonexistent\/jdk-17 has no bin\/java/);
});

test('starting a missing program is an error thrown, not an unhandled error event', async () => {
  const stackDir = tmp('detached-');
  const start = () =>
    startDetached({
      cmd: '/nonexistent/jdk-17/bin/java',
      args: ['-version'],
      logFile: join(stackDir, 'x.log'),
      pidFile: join(stackDir, 'x.pid'),
    });
  expect(start).toThrow(MissingToolError);
  expect(start).toThrow(/^java: \/nonexistent\/jdk-17\/bin\/java not found \(runs Kafka.*Install: /);
  // spawn's 'error' event comes on a later tick: had nothing handled it, jest would fail the test here.
  await new Promise((r) => setTimeout(r, 100));
});

test('no Postgres (and no apt-get to install it): the stack names the package', async () => {
  process.env.PATH = pathWithout(['apt-get']);
  const err = await postgresService.provision(freshContext({ POSTGRES_BIN_DIR: tmp('no-pg-') })).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(MissingToolError);
  expect((err as Error).message).toMatch(apt('postgresql-15'));
});

test('no Chromium (and no apt-get): the browser test names the packages', async () => {
  process.env.PATH = pathWithout(['chromium', 'apt-get']);
  await expect(ensureChromium()).rejects.toThrow(apt('chromium chromium-driver'));
});

test('no Python 3.11: the virtualenvs name the package', async () => {
  delete process.env.PYTHON;
  process.env.PATH = pathWithout(['python3.11', 'python3', 'python']);
  await expect(findPython()).rejects.toThrow(apt('python3.11 python3.11-venv'));
});

test('the virtualenv CLI with no Python: one clear line, exit 1, no stack trace', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: pathWithout(['python3.11', 'python3', 'python']) };
  delete env.PYTHON;
  const r = await runCli('infra/local/stack/python.ts', ['ensure', 'dbt'], env);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^\[python\] python: no Python 3\.11 found .*Install: /m);
  expect(r.output).not.toMatch(STACK_TRACE);
});
