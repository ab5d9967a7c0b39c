import { lambda, logger } from './middleware';
import { s3EventSchema } from './events';

export const handler = lambda(s3EventSchema, async (event) => {
  logger.info('loadObject invoked', { keys: event.Records.map((r) => r.s3.object.key) });
  return { ok: true };
});
