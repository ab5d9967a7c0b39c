/**
 * One Powertools logger per service name, structured JSON in Lambda and locally alike, so
 * the same lines are searchable in CloudWatch and readable in a terminal.
 */
import { Logger } from '@aws-lambda-powertools/logger';

const loggers = new Map<string, Logger>();

export function getLogger(serviceName: string): Logger {
  let logger = loggers.get(serviceName);
  if (!logger) {
    logger = new Logger({ serviceName, logLevel: (process.env.LOG_LEVEL ?? 'INFO').toUpperCase() as 'INFO' });
    loggers.set(serviceName, logger);
  }
  return logger;
}

export type { Logger };
