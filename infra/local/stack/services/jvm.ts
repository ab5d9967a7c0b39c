/**
 * The JVM side of the stack (Kafka broker, Kafka Connect, the Debezium plugin), resolved by Maven
 * from Maven Central into the download cache. Jars never enter the clone.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Service, StackContext } from '../service';
import { VERSIONS } from '../versions';
import { runAsync, startDetached, stopByPidFile } from '../proc';
import { withHeartbeat } from '../heartbeat';
import { brokenJavaHome } from '../prerequisites';

const DEP_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

export function jvmDirs(ctx: Pick<StackContext, 'cacheDir'>) {
  const base = join(ctx.cacheDir, `kafka-${VERSIONS.kafka}`);
  return {
    libs: join(base, 'libs'),
    plugins: join(ctx.cacheDir, `debezium-${VERSIONS.debezium}`, 'plugins'),
  };
}

/** The java to run: JAVA_HOME's when set (a JAVA_HOME without bin/java stops here, named), else PATH's. */
export function javaBin(): string {
  const broken = brokenJavaHome();
  if (broken) throw broken;
  const home = process.env.JAVA_HOME;
  return home ? join(home, 'bin', 'java') : 'java';
}

/** Are the Kafka jars and the Debezium plugin in the cache (so Maven is not needed)? */
export function jvmArtifactsPresent(ctx: Pick<StackContext, 'cacheDir'>): { kafka: boolean; debezium: boolean } {
  const d = jvmDirs(ctx);
  return {
    kafka: existsSync(join(d.libs, `kafka_2.13-${VERSIONS.kafka}.jar`)),
    debezium: existsSync(join(d.plugins, 'debezium-connector-postgres', `debezium-connector-postgres-${VERSIONS.debezium}.jar`)),
  };
}

/** Resolve the runtime classpath and the Debezium plugin; idempotent, true when it downloaded anything. */
export async function ensureJvmArtifacts(ctx: StackContext): Promise<boolean> {
  const d = jvmDirs(ctx);
  const present = jvmArtifactsPresent(ctx);
  if (present.kafka && present.debezium) return false;
  // Maven runs on JAVA_HOME's java too: a broken one would fail with Maven's own message.
  const broken = brokenJavaHome();
  if (broken) throw broken;
  let changed = false;
  // Maven writes target/ next to the pom: run it on a copy in the cache so the clone stays clean.
  const buildDir = join(ctx.cacheDir, 'jvm-build');
  mkdirSync(buildDir, { recursive: true });
  const pom = join(buildDir, 'pom.xml');
  copyFileSync(join(ctx.root, 'infra', 'local', 'stack', 'jvm', 'pom.xml'), pom);
  const props = [`-Dkafka.version=${VERSIONS.kafka}`, `-Ddebezium.version=${VERSIONS.debezium}`];
  if (!present.kafka) {
    rmSync(d.libs, { recursive: true, force: true });
    const detail = `Kafka ${VERSIONS.kafka} jars from Maven Central (mvn, cached in ~/.m2; first run only)`;
    await withHeartbeat({ name: 'kafka', doing: 'resolving', detail, done: 'jars resolved', log: ctx.log }, () =>
      runAsync('mvn', [
        '-q',
        '-B',
        '-f',
        pom,
        ...props,
        `${DEP_PLUGIN}:copy-dependencies`,
        `-DoutputDirectory=${d.libs}`,
        '-DincludeScope=runtime',
      ]),
    );
    changed = true;
  }
  if (!present.debezium) {
    rmSync(d.plugins, { recursive: true, force: true });
    const detail = `the Debezium PostgreSQL connector ${VERSIONS.debezium} plugin from Maven Central (first run only)`;
    await withHeartbeat({ name: 'connect', doing: 'fetching', detail, done: 'plugin fetched', log: ctx.log }, () =>
      runAsync('mvn', [
        '-q',
        '-B',
        '-f',
        pom,
        `${DEP_PLUGIN}:unpack`,
        `-Dartifact=io.debezium:debezium-connector-postgres:${VERSIONS.debezium}:tar.gz:plugin`,
        `-DoutputDirectory=${d.plugins}`,
        // unpack skips artifacts it has a marker for; the cache may have been cleaned since
        '-Dmdep.overWriteReleases=true',
      ]),
    );
    changed = true;
  }
  return changed;
}

export function classpath(ctx: StackContext): string {
  const { libs } = jvmDirs(ctx);
  return readdirSync(libs)
    .filter((f) => f.endsWith('.jar'))
    .map((f) => join(libs, f))
    .join(':');
}

export interface JvmProcess {
  mainClass: string;
  args: string[];
  log4j: string;
  logFile: string;
  pidFile: string;
  /** Extra -D system properties. */
  sysProps?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
}

/** Start one of the stack's JVM services (broker, Connect) detached, with the shared heap and logging flags. */
export function startJvm(ctx: StackContext, p: JvmProcess): void {
  const props = Object.entries(p.sysProps ?? {}).map(([k, v]) => `-D${k}=${v}`);
  startDetached({
    cmd: javaBin(),
    args: [
      '-Xms256m',
      '-Xmx768m',
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${p.log4j}`,
      ...props,
      '-cp',
      classpath(ctx),
      p.mainClass,
      ...p.args,
    ],
    env: p.env,
    logFile: p.logFile,
    pidFile: p.pidFile,
  });
}

/** A JVM service's files: its properties (the main class's one argument), log4j2 configuration, log and PID file. */
export interface JvmFiles {
  props: string;
  log4j: string;
  log: string;
  pid: string;
}

/** Writes a JVM service's properties and its log4j2 configuration. */
export function writeJvmFiles(files: JvmFiles, props: readonly string[]): void {
  writeFileSync(files.props, props.join('\n') + '\n');
  writeFileSync(files.log4j, LOG4J2);
}

/** start and stop of a JVM service run as `mainClass <props>` (the broker, Connect). */
export function jvmLifecycle<F extends JvmFiles>(
  files: (ctx: StackContext) => F,
  mainClass: string,
  extra: (ctx: StackContext, files: F) => Pick<JvmProcess, 'sysProps' | 'env'> = () => ({}),
): Pick<Service, 'start' | 'stop'> {
  return {
    async start(ctx) {
      const f = files(ctx);
      startJvm(ctx, { mainClass, args: [f.props], log4j: f.log4j, logFile: f.log, pidFile: f.pid, ...extra(ctx, f) });
    },
    async stop(ctx) {
      return stopByPidFile(files(ctx).pid, 30_000);
    },
  };
}

/** log4j2 configuration: everything to stdout (which the stack sends to the service's log file). */
const LOG4J2 = `status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = org.apache.kafka
logger.kafka.level = warn
logger.kafkaserver.name = kafka
logger.kafkaserver.level = info
logger.reflections.name = org.reflections
logger.reflections.level = error
logger.connect.name = org.apache.kafka.connect.runtime
logger.connect.level = info
`;
