/**
 * The start of every CLI: parse the arguments; `--help` prints the usage and exits 0, a bad
 * argument prints what is wrong and the usage and exits 2. Called before anything starts.
 */
import { errorMessage } from '../../../functions/shared/errors';

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
