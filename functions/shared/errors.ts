/** Errors the pipeline raises on purpose, each saying what to fix. */

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super(message);
  }
}

/** A record that cannot be decoded: it goes to the dead-letter prefix with this reason. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
}

/** A dependency (database, broker, object store, warehouse) refused or was unreachable. */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  constructor(
    readonly service: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${service}: ${message}`, options);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
