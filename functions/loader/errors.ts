/** The loader's own errors (the shared ones are in functions/shared/errors.ts). */
import { PipelineError, ServiceError } from '../shared/errors';

/**
 * The object itself cannot be loaded (not Parquet, truncated, wrong columns or types, values
 * that violate RAW's constraints). Retrying cannot help, so the loader records it and goes on.
 * Any other error from an adapter means the warehouse refused, and the batch is retried.
 */
export class CorruptObjectError extends PipelineError {
  override readonly name = 'CorruptObjectError';
  constructor(
    readonly key: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`object ${key} cannot be loaded: ${reason}`, {
      hint: 'recorded in raw._load_errors; fix the object (or RAW), then npm run backfill re-drives it',
      ...options,
    });
  }
}

/** The object an event named is gone (deleted or never stored): there is nothing to load. */
export class ObjectMissingError extends PipelineError {
  override readonly name = 'ObjectMissingError';
  constructor(message: string) {
    super(message, {
      hint: 'nothing to load; if the object should exist, re-run the writer for its offsets (npm run dlq -- replay, or a Kafka replay)',
    });
  }
}

/** The warehouse file stayed locked past the deadline (a ServiceError, so the event is retried). */
export class WarehouseBusyError extends ServiceError {}
