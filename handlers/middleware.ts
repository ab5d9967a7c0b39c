/** The middy chain every handler shares: Powertools context logging and event validation. */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { getLogger } from '../functions/shared/logger';

export const logger = getLogger('banking-cdc');

export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
}

export function lambda<S extends z.ZodTypeAny, R>(schema: S, fn: (event: z.infer<S>, context: Context) => Promise<R>) {
  return middy(async (raw: unknown, context: Context) => {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`);
      logger.error('event rejected', { problems });
      throw new InvalidEventError(`Invalid event: ${problems.join('; ')}`);
    }
    return fn(parsed.data, context);
  }).use(injectLambdaContext(logger, { resetKeys: true }));
}
