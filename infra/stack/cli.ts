/**
 * npm run stack -- up [--with-airflow]     provision and start (idempotent)
 * npm run stack -- status [--json]        each service's state; exit 0 only when all are healthy
 * npm run stack -- down [--wipe]          stop what up started; --wipe also deletes the data
 */
import { parseArgs } from 'node:util';
import { stackDown, stackStatus, stackUp, StackError } from './stack';
import { ConfigError } from '../../functions/shared/errors';

const USAGE = 'usage: npm run stack -- <up [--with-airflow] | status [--json] | down [--wipe]>';

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      wipe: { type: 'boolean', default: false },
      'with-airflow': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const cmd = positionals[0];
  if (values.help || !cmd) {
    console.log(USAGE);
    return cmd ? 0 : 2;
  }
  switch (cmd) {
    case 'up':
      await stackUp({ withAirflow: values['with-airflow'] });
      return 0;
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

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof StackError || err instanceof ConfigError) console.error(`[stack] ${err.message}`);
    else console.error('[stack] unexpected error:', err);
    process.exit(1);
  },
);
