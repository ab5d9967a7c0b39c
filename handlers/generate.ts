import { lambda, logger } from './middleware';
import { scheduleEventSchema } from './events';

export const handler = lambda(scheduleEventSchema, async (event) => {
  logger.info('generate invoked', { time: event.time, iterations: event.iterations });
  return { ok: true };
});
