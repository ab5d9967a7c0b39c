/**
 * The few log levels the event source uses. The plugin passes the framework's logger (osls's
 * `utils.log`), tests pass a recorder, and the default prints one prefixed line per event.
 */
export interface SourceLogger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  debug(msg: string): void;
}

const PREFIX = 'offline-kafka:';

export const consoleLogger: SourceLogger = {
  info: (m) => console.log(`${PREFIX} ${m}`),
  warn: (m) => console.warn(`${PREFIX} ${m}`),
  error: (m) => console.error(`${PREFIX} ${m}`),
  debug: (m) => {
    if (process.env.OFFLINE_KAFKA_DEBUG === '1') console.log(`${PREFIX} ${m}`);
  },
};

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
