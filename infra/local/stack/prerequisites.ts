/**
 * The machine's toolchain the local stack needs, what each tool is for and the command that
 * installs it: one table for `npm run doctor` and for the stack's own "tool missing" errors, so a
 * missing `go` says the same thing wherever it is found missing.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import { PipelineError } from '../../../functions/shared/errors';

export type Tool = 'node' | 'java' | 'mvn' | 'go' | 'python' | 'postgres' | 'chromium';

const asRoot = () => process.getuid?.() === 0;
const apt = (packages: string) => `${asRoot() ? '' : 'sudo '}apt-get install -y ${packages}`;

/** What each tool is for, and how to install it (Debian/Ubuntu commands, as the stack's own Postgres). */
export const PREREQUISITES: Record<Tool, { why: string; install: () => string }> = {
  node: { why: 'runs everything', install: () => 'Node >= 20.19 from https://nodejs.org (or: nvm install 20)' },
  java: { why: 'runs Kafka and Kafka Connect', install: () => apt('openjdk-17-jre-headless') },
  mvn: { why: 'resolves the Kafka and Debezium jars on the first run', install: () => apt('maven') },
  go: {
    why: 'builds MinIO from source on the first run',
    install: () =>
      'Go >= 1.24 from https://go.dev/dl/: sudo tar -C /usr/local -xzf go1.2*.linux-amd64.tar.gz && export PATH=$PATH:/usr/local/go/bin',
  },
  python: {
    why: 'the dbt, Airflow, cfn-lint and fakesnow virtualenvs',
    install: () => `${apt('python3.11 python3.11-venv')} (or set PYTHON to a Python 3.11 interpreter)`,
  },
  postgres: {
    why: 'the source database (PostgreSQL 15)',
    install: () => `${apt('postgresql-15')} (or set POSTGRES_BIN_DIR to its bin folder)`,
  },
  chromium: { why: "the pipeline page's browser test", install: () => apt('chromium chromium-driver') },
};

/** The tool an executable belongs to, by its file name. */
const TOOL_OF: Record<string, Tool> = {
  node: 'node',
  java: 'java',
  mvn: 'mvn',
  go: 'go',
  python: 'python',
  python3: 'python',
  'python3.11': 'python',
  postgres: 'postgres',
  initdb: 'postgres',
  pg_ctl: 'postgres',
  chromium: 'chromium',
};

/** A tool the stack needs is missing or broken: the message names it and the command that installs it. */
export class MissingToolError extends PipelineError {
  override readonly name = 'MissingToolError';
  constructor(
    readonly tool: string,
    problem: string,
    readonly install: string,
  ) {
    super(`${tool}: ${problem}. Install: ${install}`, { hint: 'npm run doctor checks every prerequisite' });
  }
}

/** JAVA_HOME set, but with no bin/java in it: Maven and the stack's JVMs would fail obscurely. */
export function brokenJavaHome(env: NodeJS.ProcessEnv = process.env): MissingToolError | undefined {
  const home = env.JAVA_HOME;
  if (!home || isExecutable(join(home, 'bin', 'java'))) return undefined;
  return new MissingToolError(
    'java',
    `JAVA_HOME=${home} has no bin/java (${PREREQUISITES.java.why}; mvn reads it too)`,
    'point JAVA_HOME at a JDK or JRE 17+ (e.g. export JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64) or unset it',
  );
}

/** The error for an executable that could not be run (spawn's ENOENT / EACCES). */
export function toolError(cmd: string, err: NodeJS.ErrnoException): MissingToolError {
  const tool = TOOL_OF[basename(cmd)];
  if (tool === 'java') {
    const home = brokenJavaHome();
    if (home && cmd.startsWith(process.env.JAVA_HOME!)) return home;
  }
  const problem =
    err.code === 'ENOENT' ? `${cmd} not found${cmd.includes('/') ? '' : ' on PATH'}` : `${cmd} cannot run (${err.code})`;
  if (!tool) return new MissingToolError(basename(cmd), problem, `install ${basename(cmd)} or put it on PATH`);
  return new MissingToolError(tool, `${problem} (${PREREQUISITES[tool].why})`, PREREQUISITES[tool].install());
}

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first `bin` on PATH, as a shell would find it. */
export function which(bin: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, bin))) return join(dir, bin);
  }
  return undefined;
}

/** Can the stack install Debian packages itself (it does for Postgres and Chromium when root)? */
export function canAptInstall(env: NodeJS.ProcessEnv = process.env): boolean {
  return asRoot() && which('apt-get', env) !== undefined;
}
