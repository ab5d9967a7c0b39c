/** The generator's configuration: the source database only. */
import { z } from 'zod';
import { logShape, parseEnv, postgresShape, resolvePostgresPassword } from '../shared/config';

export const generatorShape = { ...postgresShape, ...logShape };
const schema = z.object(generatorShape);

export type GeneratorConfig = z.infer<typeof schema>;

/** Every variable the generator reads. */
export const GENERATOR_CONFIG_KEYS = Object.keys(generatorShape) as (keyof GeneratorConfig)[];

/** Parse and validate the generator's variables; throws ConfigError naming every bad one. */
export function loadGeneratorConfig(env: NodeJS.ProcessEnv = process.env): GeneratorConfig {
  return resolvePostgresPassword(parseEnv(schema, env));
}
