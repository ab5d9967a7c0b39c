/**
 * The consumer group of each CDC topic's event source mapping. AWS requires a group to be unique
 * among Kafka event sources, so serverless.yml names one per topic, `<prefix>-<table>`, with the
 * prefix from the `consumerGroupId` param (KAFKA_GROUP); the local event source reads the same.
 * Tools that read or reset a pipeline's offsets use this to find them.
 */
import type { TableName } from './tables';

export function consumerGroupFor(prefix: string, table: TableName): string {
  return `${prefix}-${table}`;
}
