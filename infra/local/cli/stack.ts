/**
 * npm run stack -- up [--with-airflow]     check the prerequisites (npm run doctor), provision and start (idempotent)
 * npm run stack -- status [--json]        each service's state; exit 0 only when all are healthy
 * npm run stack -- down [--wipe]          stop what up started; --wipe also deletes the data
 */
import { parseArgs } from 'node:util';
import { stackDown, stackStatus, stackUp } from '../stack/stack';
import { makeContext } from '../stack/context';
import { doctorGate, doctorScope } from '../stack/doctor';
import { argsOrUsage, exitWith } from './util/usage';

const USAGE = `usage: npm run stack -- <command>
  up [--with-airflow]   check the prerequisites, provision (first run) and start; idempotent
  status [--json]       each service's state; exits 0 only when every service is healthy
  down [--wipe]         stop what up started; --wipe also deletes the data (downloads are kept)`;

async function main(): Promise<number> {
  const { positionals, ...values } = argsOrUsage('[stack]', USAGE, () => {
    const { positionals, values } = parseArgs({
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        wipe: { type: 'boolean', default: false },
        'with-airflow': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    return { ...values, positionals };
  });
  const cmd = positionals[0];
  if (!cmd) {
    console.error(USAGE);
    return 2;
  }
  switch (cmd) {
    case 'up': {
      const ctx = makeContext();
      const withAirflow = values['with-airflow'];
      if (!(await doctorGate(ctx, doctorScope('stack', ctx, { withAirflow }), { quiet: true }))) return 1;
      await stackUp({ withAirflow, ctx });
      return 0;
    }
    case 'status': {
      const rows = await stackStatus({ withAirflow: values['with-airflow'] });
      const required = rows.filter((r) => !r.name.endsWith('(optional)'));
      const healthy = required.every((r) => r.healthy);
      if (values.json) {
        console.log(JSON.stringify({ healthy, services: rows }, null, 2));
      } else {
        for (const r of rows) {
          const ports = r.ports.length ? `:${r.ports.join(',:')}` : '';
          console.log(`${r.healthy ? 'healthy  ' : 'UNHEALTHY'}  ${r.name.padEnd(20)} ${ports.padEnd(14)} ${r.detail}`);
          if (!r.healthy) console.log(`           log: ${r.log}`);
        }
        console.log(healthy ? 'stack healthy' : 'stack NOT healthy: run `npm run stack -- up`');
      }
      return healthy ? 0 : 1;
    }
    case 'down':
      await stackDown({ wipe: values.wipe });
      return 0;
    default:
      console.error(`unknown command "${cmd}"\n${USAGE}`);
      return 2;
  }
}

exitWith('[stack]', main);
