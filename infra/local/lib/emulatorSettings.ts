/**
 * The event-source emulators' own settings, from the environment sls runs them in (serverless.yml's
 * `useDotenv` has loaded `.env` by then): the brokers an `msk` event is read from locally, and the
 * object store the S3 events come from (MINIO_*, as the functions read it).
 */
import { z } from 'zod';
import { lakeShape, nonEmpty, parseEnv } from '../../../functions/shared/config';

const schema = z.object({ KAFKA_BOOTSTRAP: nonEmpty.default('127.0.0.1:9092'), ...lakeShape });

export type EmulatorSettings = z.infer<typeof schema>;

export function emulatorSettings(env: NodeJS.ProcessEnv = process.env): EmulatorSettings {
  return parseEnv(schema, env);
}

/** `host:port` pairs of a bootstrap list. */
export function brokerList(bootstrap: string): string[] {
  return bootstrap
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
