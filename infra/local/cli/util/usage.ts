/**
 * The start of every CLI: parse the arguments; `--help` prints the usage and exits 0, a bad
 * argument prints what is wrong and the usage and exits 2. Called before anything starts.
 */
import { errorMessage, PipelineError } from '../../../../functions/shared/errors';

export function argsOrUsage<T extends { help?: boolean }>(prefix: string, usage: string, parse: () => T): T {
  let values: T;
  try {
    values = parse();
  } catch (err) {
    console.error(`${prefix} ${errorMessage(err)}\n${usage}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  return values;
}

/**
 * The end of a CLI: exits with main's code. A PipelineError (bad settings, a missing tool, a stack
 * that did not start) prints its message, which says what to do; anything else is a bug, shown whole.
 */
export function exitWith(prefix: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof PipelineError) console.error(`${prefix} ${err.message}`);
      else console.error(`${prefix} unexpected error:`, err);
      process.exit(1);
    },
  );
}
