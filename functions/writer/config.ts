/** The writer's configuration: the lake (bucket, dead letters) and the CDC topics' prefix. */
import { z } from 'zod';
import { lakeShape, logShape, nonEmpty, parseEnv } from '../shared/config';

export const writerShape = {
  ...lakeShape,
  KAFKA_TOPIC_PREFIX: nonEmpty.default('banking_server'),
  ...logShape,
};
const schema = z.object(writerShape);

export type WriterConfig = z.infer<typeof schema>;

/** Every variable the writer reads. */
export const WRITER_CONFIG_KEYS = Object.keys(writerShape) as (keyof WriterConfig)[];

/** Parse and validate the writer's variables; throws ConfigError naming every bad one. */
export function loadWriterConfig(env: NodeJS.ProcessEnv = process.env): WriterConfig {
  return parseEnv(schema, env);
}
