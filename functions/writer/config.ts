/** The writer's configuration: the lake (bucket, dead letters) and the CDC topics' prefix. */
import { z } from 'zod';
import { lakeShape, logShape, nonEmpty, parseEnv } from '../shared/config';

export const writerShape = {
  ...lakeShape,
  KAFKA_TOPIC_PREFIX: nonEmpty.default('banking_server'),
  // The record-identity epoch (functions/shared/objectKeys.ts): raise it when the CDC topics are
  // recreated or the writer moves to another cluster, since offsets restart at 0 there.
  KAFKA_EPOCH: z.coerce.number().int().min(0).max(2_147_483_647).default(0),
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
