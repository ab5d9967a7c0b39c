/**
 * Registers (or updates) the Debezium connector and waits until it is RUNNING, or prints its config.
 *
 *   npm run connector            register / update, wait for RUNNING
 *   npm run connector -- --print [--docker]   print the connector config JSON (--docker: as compose uses it)
 */
import { parseArgs } from 'node:util';
import { argsOrUsage } from './util/usage';
import { loadSettings, redact } from '../stack/settings';
import { connectorConfig } from '../stack/debezium/connector-config';
import { registerConnector } from '../stack/debezium/register';

const USAGE = `usage: npm run connector [-- --print [--docker]]
  (no option)  register or update the Debezium connector at KAFKA_CONNECT_URL and wait until it is RUNNING
  --print      print the connector's config JSON instead; --docker: as docker-compose's connect-init sends it`;

if (require.main === module) {
  const values = argsOrUsage(
    '[connector]',
    USAGE,
    () =>
      parseArgs({ options: { print: { type: 'boolean' }, docker: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } })
        .values,
  );
  const cfg = loadSettings();
  if (values.print) {
    // --docker: as docker-compose's connect-init sends it (database host is the compose service)
    const docker = values.docker === true;
    console.log(JSON.stringify(connectorConfig(cfg, docker ? 'postgres' : '127.0.0.1'), null, 2));
  } else {
    console.log(`[connector] registering at ${cfg.KAFKA_CONNECT_URL} (db ${String(redact(cfg).POSTGRES_DB)})`);
    registerConnector(cfg, (m) => console.log(`[connector] ${m}`))
      .then((o) => console.log(`[connector] ${cfg.DEBEZIUM_CONNECTOR_NAME}: ${o}, RUNNING`))
      .catch((err) => {
        console.error(`[connector] ${(err as Error).message}`);
        process.exit(1);
      });
  }
}
