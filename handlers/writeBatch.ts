import { lambda, logger } from './middleware';
import { kafkaEventSchema } from './events';

export const handler = lambda(kafkaEventSchema, async (event) => {
  const counts = Object.fromEntries(Object.entries(event.records).map(([k, v]) => [k, v.length]));
  logger.info('writeBatch invoked', { eventSource: event.eventSource, records: counts });
  return { ok: true };
});
