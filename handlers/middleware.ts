/** The middy chain every handler shares: Powertools context logging and event validation. */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { getLogger, PipelineError } from '../functions/shared';
import { validateWith, type Validation } from './validation';

export const logger = getLogger('banking-cdc');

/** The event does not have the shape the function accepts (the message lists each problem). */
export class InvalidEventError extends PipelineError {
  override readonly name = 'InvalidEventError';
  constructor(message: string) {
    super(message, { hint: "check the trigger's event source mapping; events/*.json are valid samples" });
  }
}

/** A zod schema, or a function that validates in place (no copy) for large events. */
type Check<T> = z.ZodType<T> | ((raw: unknown) => Validation<T>);

function validate<T>(check: Check<T>, raw: unknown): Validation<T> {
  return typeof check === 'function' ? check(raw) : validateWith(check, raw);
}

export function lambda<T, R>(check: Check<T>, fn: (event: T, context: Context) => Promise<R>) {
  return middy(async (raw: unknown, context: Context) => {
    const parsed = validate(check, raw);
    if (!parsed.success) {
      logger.error('event rejected', { problems: parsed.problems });
      throw new InvalidEventError(`Invalid event: ${parsed.problems.join('; ')}`);
    }
    return fn(parsed.data, context);
  }).use(injectLambdaContext(logger, { resetKeys: true }));
}
