import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { connectFromConfig, loadGeneratorConfig, parseGeneratorOptions, runGenerator } from '../functions/generator';
import { scheduleEventSchema, type ScheduleEvent } from './events';
import { lambda, logger } from './middleware';

/**
 * How many iterations an invocation runs:
 * - `iterations` in the event: exactly that many;
 * - an EventBridge schedule (`detail-type: "Scheduled Event"`, also what serverless-offline
 *   sends): iterations every interval until shortly before the function's timeout, since the
 *   schedule fires only once a minute;
 * - anything else, e.g. `sls invoke local -f generate` with `{}`: one iteration.
 */
export function iterationsFor(event: ScheduleEvent): number | undefined {
  if (event.iterations !== undefined) return event.iterations;
  return event['detail-type'] === 'Scheduled Event' ? undefined : 1;
}

// `sls invoke local -f generate` without --data delivers an empty string, not {}: treat it as {}.
const generateEventSchema = z.preprocess((e) => (e === '' || e === null || e === undefined ? {} : e), scheduleEventSchema);

/**
 * A scheduled run ends well before the next tick (the schedule fires every minute), so runs never
 * overlap: two generators would contend for the same rows, and serverless-offline, which runs one
 * invocation of a function at a time, answered the queued tick with a 504.
 */
export const SCHEDULED_RUN_MS = 45_000;

export const handler = lambda(generateEventSchema, async (event, context: Context) => {
  const started = Date.now();
  const cfg = loadGeneratorConfig();
  const options = parseGeneratorOptions({ iterations: iterationsFor(event), seed: event.seed });
  logger.info('generate invoked', { time: event.time, iterations: options.iterations ?? 'until deadline' });
  return runGenerator({
    options,
    connect: connectFromConfig(cfg),
    remainingMs: () => Math.min(context.getRemainingTimeInMillis(), SCHEDULED_RUN_MS - (Date.now() - started)),
  });
});
