/**
 * npm run doctor [-- --for all|start|stack|test]
 *
 * Checks every prerequisite (Node, Java and JAVA_HOME, Maven, Go, Python 3.11, PostgreSQL 15,
 * Chromium, free disk, free ports) and prints one line each; a missing one names the command that
 * installs it. Exits 0 when all pass, 1 otherwise, 2 on bad arguments. `npm start` and
 * `npm run stack -- up` run the same checks first.
 */
import { parseArgs } from 'node:util';
import { makeContext } from '../stack/context';
import { DOCTOR_FOR, doctorGate, doctorScope, type DoctorFor } from '../stack/doctor';
import { argsOrUsage, exitWith } from './util/usage';

const USAGE = `usage: npm run doctor [-- --for ${DOCTOR_FOR.join('|')}]
  all    (default) what npm start and npm test need
  start  npm start: the stack with Airflow, and the functions' and the page's ports
  stack  npm run stack -- up: the core services
  test   npm test: the core services, Python 3.11 and Chromium`;

async function main(): Promise<number> {
  const values = argsOrUsage(
    'doctor:',
    USAGE,
    () =>
      parseArgs({ options: { for: { type: 'string', default: 'all' }, help: { type: 'boolean', short: 'h', default: false } } })
        .values,
  );
  const kind = values.for as DoctorFor;
  if (!DOCTOR_FOR.includes(kind)) {
    console.error(`doctor: --for ${kind}: expected one of ${DOCTOR_FOR.join(', ')}\n${USAGE}`);
    return 2;
  }
  const ctx = makeContext({ quiet: true });
  return (await doctorGate(ctx, doctorScope(kind, ctx))) ? 0 : 1;
}

exitWith('[doctor]', main);
