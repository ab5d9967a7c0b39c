/** The generator's public surface, for the handler, the CLI and the benchmark. */
import type { Config } from '../shared/config';
import { dbSettingsFromConfig, openConnection, type DbSettings } from './database';

export { runGenerator, type GeneratorRun, type RunSummary } from './loop';
export { parseCliArgs, parseGeneratorOptions, USAGE, UsageError, type GeneratorOptions } from './options';
export { runIteration, type IterationResult } from './iteration';
export { openConnection, dbSettingsFromConfig, type DbSettings } from './database';

/** A `connect` for runGenerator from the validated config (plus optional overrides such as a schema). */
export function connectFromConfig(cfg: Config, extra: Partial<DbSettings> = {}) {
  const settings = dbSettingsFromConfig(cfg, extra);
  return () => openConnection(settings);
}
