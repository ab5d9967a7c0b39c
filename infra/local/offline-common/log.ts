/**
 * The few log levels our offline event sources use. Each plugin passes the framework's logger
 * (osls's `utils.log`), tests pass a recorder, and scripts use the console logger, which prints
 * one prefixed line per event.
 */
export interface SourceLogger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  debug(msg: string): void;
}

/** Console logger with a prefix (e.g. `offline-s3:`); debug lines only when `debugEnv` is '1'. */
export function consoleLoggerFor(prefix: string, debugEnv: string): SourceLogger {
  return {
    info: (m) => console.log(`${prefix} ${m}`),
    warn: (m) => console.warn(`${prefix} ${m}`),
    error: (m) => console.error(`${prefix} ${m}`),
    debug: (m) => {
      if (process.env[debugEnv] === '1') console.log(`${prefix} ${m}`);
    },
  };
}

/** The logger osls hands to plugins (`utils.log`); every method is optional in older versions. */
export interface OslsLog {
  notice?(msg: string): void;
  info?(msg: string): void;
  warning?(msg: string): void;
  error?(msg: string): void;
  debug?(msg: string): void;
}

export function pluginLogger(prefix: string, log: OslsLog | undefined): SourceLogger {
  // osls shows `notice` by default and `info` only with --verbose; our progress lines must be seen.
  const pick = (f: ((m: string) => void) | undefined, fallback: (m: string) => void) => (m: string) =>
    (f ?? fallback)(`${prefix} ${m}`);
  return {
    info: pick(log?.notice?.bind(log), console.log),
    warn: pick(log?.warning?.bind(log), console.warn),
    error: pick(log?.error?.bind(log), console.error),
    debug: pick(log?.debug?.bind(log), () => undefined),
  };
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
