/**
 * Errors the pipeline raises on purpose. Each is a PipelineError: its message says what went
 * wrong, and `hint` (when there is one) says what to do about it.
 */

export class PipelineError extends Error {
  override readonly name: string = 'PipelineError';
  /** What to do about it: the variable to fix, the command to run. */
  readonly hint: string | undefined;
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
  }
}

/** Bad configuration: stops start-up, naming each bad variable in `problems`. */
export class ConfigError extends PipelineError {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly problems: readonly string[] = [],
    hint = 'fix the variables named (in .env or the function environment; see .env.example)',
  ) {
    super(message, { hint });
  }
}

/** A record that cannot be decoded: it goes to the dead-letter prefix with this reason. */
export class DecodeError extends PipelineError {
  override readonly name = 'DecodeError';
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { hint: 'fix the cause, then npm run dlq -- replay', ...options });
  }
}

/** A dependency (database, broker, object store, warehouse) refused or was unreachable. */
export class ServiceError extends PipelineError {
  override readonly name = 'ServiceError';
  constructor(
    readonly service: string,
    message: string,
    options?: { cause?: unknown; hint?: string },
  ) {
    super(`${service}: ${message}`, {
      hint: `retried; if it persists, check ${service} (locally: npm run stack -- status)`,
      ...options,
    });
  }
}

/** A command line the CLI cannot run: the message says what is wrong, the hint shows the usage. */
export class UsageError extends PipelineError {
  override readonly name = 'UsageError';
  constructor(message: string, usage?: string) {
    super(message, { hint: usage });
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
