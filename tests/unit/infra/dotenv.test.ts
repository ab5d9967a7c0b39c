/**
 * "Every port moves with the variable shown (in .env ...)": the stack's CLIs and the tests read
 * `.env` from the working directory (npm runs scripts from the repository root), as sls does for the
 * functions, and a variable already in the environment wins over the file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDotEnv } from '../../../infra/local/stack/dotenv';
import { loadSettings } from '../../../infra/local/stack/settings';
import { runCli } from './cliRun';

jest.setTimeout(120_000);

const PORT_VARS = [
  'POSTGRES_PORT',
  'KAFKA_BOOTSTRAP',
  'KAFKA_CONTROLLER_PORT',
  'KAFKA_CONNECT_URL',
  'MINIO_ENDPOINT',
  'MINIO_CONSOLE_PORT',
  'AIRFLOW_PORT',
  'OFFLINE_HTTP_PORT',
  'OFFLINE_LAMBDA_PORT',
  'DASHBOARD_PORT',
];

/** A folder holding only a .env with these lines. */
function dirWithDotEnv(lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'dotenv-'));
  writeFileSync(join(dir, '.env'), lines.join('\n') + '\n');
  return dir;
}

/** This environment without any port variable (the ports file of a worktree may set them). */
function envWithoutPorts(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const v of PORT_VARS) delete env[v];
  return env;
}

const saved = { ...process.env };
const cwd = process.cwd();
afterEach(() => {
  process.env = { ...saved };
  process.chdir(cwd);
});

test('loadDotEnv fills what the environment lacks and leaves what it has', () => {
  const dir = dirWithDotEnv(['DOTENV_TEST_SET=from-file', 'DOTENV_TEST_UNSET=from-file']);
  process.env.DOTENV_TEST_SET = 'from-env';
  delete process.env.DOTENV_TEST_UNSET;
  expect(loadDotEnv(join(dir, '.env'))).toBe(true);
  expect(process.env.DOTENV_TEST_SET).toBe('from-env');
  expect(process.env.DOTENV_TEST_UNSET).toBe('from-file');
  expect(loadDotEnv(join(dir, 'absent.env'))).toBe(false);
});

test("loadSettings() (what the tests' stack and every CLI call) reads the working directory's .env", () => {
  process.env = envWithoutPorts();
  process.env.KAFKA_CONTROLLER_PORT = '61022';
  process.chdir(dirWithDotEnv(['POSTGRES_PORT=61021', 'KAFKA_CONTROLLER_PORT=61099']));
  const cfg = loadSettings();
  expect([cfg.POSTGRES_PORT, cfg.KAFKA_CONTROLLER_PORT]).toEqual([61021, 61022]);
});

test('npm run stack and npm start (its doctor) use the ports .env sets; the environment wins', async () => {
  // Every port moved (above Linux's ephemeral range), so none is held by a stack on the defaults.
  const dir = dirWithDotEnv([
    'POSTGRES_PORT=61001',
    'KAFKA_BOOTSTRAP=127.0.0.1:61002',
    'KAFKA_CONTROLLER_PORT=61003',
    'KAFKA_CONNECT_URL=http://127.0.0.1:61004',
    'MINIO_ENDPOINT=http://127.0.0.1:61005',
    'MINIO_CONSOLE_PORT=61006',
    'AIRFLOW_PORT=61007',
    'OFFLINE_HTTP_PORT=61008',
    'OFFLINE_LAMBDA_PORT=61009',
    'DASHBOARD_PORT=61010',
  ]);
  const env = { ...envWithoutPorts(), AIRFLOW_PORT: '61017' };
  const [status, doctor] = await Promise.all([
    runCli('infra/local/cli/stack.ts', ['status', '--json'], env, dir),
    runCli('infra/local/cli/doctor.ts', ['--for', 'start'], env, dir),
  ]);
  const ports = Object.fromEntries(
    (JSON.parse(status.stdout) as { services: { name: string; ports: number[] }[] }).services.map((s) => [s.name, s.ports]),
  );
  expect(ports).toMatchObject({
    postgres: [61001],
    minio: [61005, 61006],
    kafka: [61002, 61003],
    connect: [61004],
    'airflow (optional)': [61017],
  });
  expect(doctor.stdout).toMatch(/ports\s+61001, 61005, 61006, 61002, 61003, 61004, 61017, 61008, 61009, 61010 free/);
});
