/** The generator's public surface, for the handler, the CLI and the benchmark. */
import type { GeneratorConfig } from './config';
import { secretPassword } from '../shared/secrets';
import { dbSettingsFromConfig, openConnection, type DbSettings } from './database';

export { runGenerator, type RunSummary } from './loop';
export { parseCliArgs, parseGeneratorOptions, USAGE, UsageError, type GeneratorOptions } from './options';
export { type IterationResult } from './iteration';
export { loadGeneratorConfig, type GeneratorConfig } from './config';
export { openConnection, dbSettingsFromConfig } from './database';

// One password source per secret and container: a warm invocation does not read the secret again.
const passwords = new Map<string, () => Promise<string>>();

/**
 * A `connect` for runGenerator from the validated config (plus optional overrides such as a
 * schema). The password is POSTGRES_PASSWORD (or the local stack's), else POSTGRES_SECRET_ID's secret.
 */
export function connectFromConfig(cfg: GeneratorConfig, extra: Partial<DbSettings> = {}) {
  const settings = dbSettingsFromConfig(cfg, extra);
  if (settings.password !== '') return () => openConnection(settings);
  let password = passwords.get(cfg.POSTGRES_SECRET_ID);
  if (!password) {
    password = secretPassword({
      password: '',
      secretId: cfg.POSTGRES_SECRET_ID,
      variables: ['POSTGRES_PASSWORD', 'POSTGRES_SECRET_ID'],
    });
    passwords.set(cfg.POSTGRES_SECRET_ID, password);
  }
  const read = password;
  return async () => openConnection({ ...settings, password: await read() });
}
