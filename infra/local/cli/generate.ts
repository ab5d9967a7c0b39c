/** `npm run generate -- [--once] [--seed N] [--interval 2s] [--iterations K] [--scale C,A,T]` */
import { connectFromConfig, parseCliArgs, runGenerator, USAGE, UsageError } from '../../../functions/generator';
import { loadSettings } from '../stack/settings';
import { ConfigError, ServiceError } from '../../../functions/shared/errors';

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseCliArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`generate: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    console.log(USAGE);
    return 0;
  }

  const stop = new AbortController();
  const onSignal = (): void => {
    if (stop.signal.aborted) process.exit(130); // a second Ctrl-C does not wait
    console.error('stopping after the current iteration (Ctrl-C again to quit now)');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const cfg = loadSettings();
    const summary = await runGenerator({ options: parsed.options, connect: connectFromConfig(cfg), signal: stop.signal });
    return summary.succeeded === 0 && summary.failed > 0 ? 1 : 0;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ServiceError) {
      console.error(`generate: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
