/**
 * offline-kafka's console logger; the logger interface and helpers are shared with offline-s3
 * (infra/local/offline-common/log.ts).
 */
import { consoleLoggerFor, type SourceLogger } from '../offline-common/log';

export { errorMessage, type SourceLogger } from '../offline-common/log';

export const consoleLogger: SourceLogger = consoleLoggerFor('offline-kafka:', 'OFFLINE_KAFKA_DEBUG');
