/**
 * `npm run doctor` on a machine that lacks one tool each time (a PATH without it, a broken
 * JAVA_HOME, an empty POSTGRES_BIN_DIR): one clear line naming the command that installs it,
 * exit code 1, no stack trace. The download cache is an empty folder, so the first-run tools
 * (go, mvn) are needed. Each scenario runs the real CLI; they run side by side.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathWithout, runCli, STACK_TRACE, type CliResult } from './cliRun';

jest.setTimeout(180_000);

const apt = (pkgs: string) => new RegExp(`Install: (sudo )?apt-get install -y ${pkgs.replace(/\./g, '\\.')}`);

interface Scenario {
  /** Executables the PATH lacks. */
  without: string[];
  env?: NodeJS.ProcessEnv;
  /** The FAIL line expected. */
  line: RegExp;
  tool: string;
}

const emptyDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

const SCENARIOS: Record<string, Scenario> = {
  'no go': {
    tool: 'go',
    without: ['go'],
    line: /FAIL\s+go\s+go not found on PATH \(builds MinIO.*Install: Go >= 1\.24 from https:\/\/go\.dev\/dl\//,
  },
  'no mvn': { tool: 'mvn', without: ['mvn'], line: new RegExp(`FAIL\\s+mvn\\s+mvn not found on PATH .*${apt('maven').source}`) },
  'no java': {
    tool: 'java',
    without: ['java'],
    line: new RegExp(`FAIL\\s+java\\s+java not found on PATH .*${apt('openjdk-17-jre-headless').source}`),
  },
  'a broken JAVA_HOME': {
    tool: 'java',
    without: [],
    env: { JAVA_HOME: '/nonexistent/jdk-17' },
    line: /FAIL\s+java\s+JAVA_HOME=\/nonexistent\/jdk-17 has no bin\/java .*Install: point JAVA_HOME at a JDK or JRE 17\+ .* or unset it/,
  },
  // apt-get too: as root the stack would install Postgres itself.
  'no Postgres': {
    tool: 'postgres',
    without: ['apt-get'],
    env: { POSTGRES_BIN_DIR: emptyDir('no-postgres-') },
    line: new RegExp(
      `FAIL\\s+postgres\\s+postgres, initdb, pg_ctl not found in .*POSTGRES_BIN_DIR.*${apt('postgresql-15').source}`,
    ),
  },
  'no Chromium': {
    tool: 'chromium',
    without: ['chromium', 'apt-get'],
    line: new RegExp(`FAIL\\s+chromium\\s+chromium not found on PATH .*${apt('chromium chromium-driver').source}`),
  },
  'no Python': {
    tool: 'python',
    without: ['python3.11', 'python3', 'python'],
    line: new RegExp(`FAIL\\s+python\\s+no Python 3\\.11 on PATH .*${apt('python3.11 python3.11-venv').source}`),
  },
};

function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, STACK_CACHE_DIR: emptyDir('doctor-cache-') };
  delete env.JAVA_HOME;
  delete env.PYTHON;
  return env;
}

const results: Record<string, CliResult> = {};
let control: CliResult;

beforeAll(async () => {
  const runs = Object.entries(SCENARIOS).map(async ([name, s]) => {
    results[name] = await runCli('infra/local/cli/doctor.ts', [], { ...baseEnv(), PATH: pathWithout(s.without), ...s.env });
  });
  const all = Promise.all(runs);
  control = await runCli('infra/local/cli/doctor.ts', [], { ...baseEnv(), PATH: pathWithout([]) });
  await all;
});

describe.each(Object.keys(SCENARIOS))('npm run doctor with %s', (name) => {
  test('one clear line naming the install command, exit code 1, no stack trace', () => {
    const r = results[name]!;
    const s = SCENARIOS[name]!;
    expect(r.output).toMatch(s.line);
    expect(r.output.split('\n').filter((l) => s.line.test(l))).toHaveLength(1);
    expect(r.code).toBe(1);
    expect(r.output).not.toMatch(STACK_TRACE);
    // The same machine with the tool in place passes that check: the line comes from the removal.
    expect(control.output).toMatch(new RegExp(`ok\\s+${s.tool}\\s`));
  });
});
