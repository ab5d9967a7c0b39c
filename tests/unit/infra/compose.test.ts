/**
 * docker-compose.yml cannot run here (no Docker engine), so this keeps it honest: its services,
 * ports, variables and connector config must agree with the native stack's configuration.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SETTING_KEYS, loadSettings, urlPort } from '../../../infra/local/stack/settings';
import { connectorConfig } from '../../../infra/local/stack/debezium/connector-config';
import { VERSIONS } from '../../../infra/local/stack/versions';

const root = join(__dirname, '..', '..', '..');
const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
const compose = parse(text) as {
  services: Record<string, { ports?: string[]; environment?: Record<string, unknown>; image?: string }>;
};
const defaults = loadSettings({});

/** Host ports a service publishes (`127.0.0.1:<host port>:<container port>`), ${VAR:-default} resolved. */
function hostPorts(service: string): number[] {
  return (compose.services[service]?.ports ?? []).map((p) => {
    const parts = p.replace(/\$\{[A-Z_]+:-(\d+)\}/g, '$1').split(':');
    return Number(parts[parts.length - 2]);
  });
}

test('publishes every port on 127.0.0.1 only (Connect’s REST API and the default passwords stay on the machine)', () => {
  const ports = Object.values(compose.services).flatMap((s) => s.ports ?? []);
  expect(ports.length).toBeGreaterThan(5);
  expect(ports.filter((p) => !p.startsWith('127.0.0.1:'))).toEqual([]);
});

test('has the services of the native stack, plus Airflow', () => {
  for (const s of ['postgres', 'kafka', 'connect', 'minio', 'airflow']) expect(compose.services).toHaveProperty(s);
});

test('publishes the same ports as the native stack', () => {
  expect(hostPorts('postgres')).toEqual([defaults.POSTGRES_PORT]);
  expect(hostPorts('kafka')).toEqual([Number(defaults.KAFKA_BOOTSTRAP.split(':')[1]), defaults.KAFKA_CONTROLLER_PORT]);
  expect(hostPorts('connect')).toEqual([urlPort(defaults.KAFKA_CONNECT_URL)]);
  expect(hostPorts('minio')).toEqual([urlPort(defaults.MINIO_ENDPOINT), defaults.MINIO_CONSOLE_PORT]);
  expect(hostPorts('airflow')).toEqual([defaults.AIRFLOW_PORT]);
});

test('uses only variables the pipeline knows, with the same defaults', () => {
  const refs = [...text.matchAll(/\$\{([A-Z_]+)(?::-([^}]*))?\}/g)];
  expect(refs.length).toBeGreaterThan(5);
  for (const [, name, def] of refs) {
    expect(SETTING_KEYS).toContain(name);
    if (def !== undefined) expect([name, def]).toEqual([name, String(defaults[name as keyof typeof defaults])]);
  }
});

test('Postgres gets the same database, user and schema files', () => {
  const env = compose.services.postgres!.environment!;
  expect(env.POSTGRES_DB).toBe('${POSTGRES_DB:-banking_db}');
  expect(env.POSTGRES_USER).toBe('${POSTGRES_USER:-banking_user}');
  expect(text).toContain('wal_level=logical');
  expect(text).toContain('./sql/postgres/01_schema.sql');
  expect(text).toContain('./sql/postgres/02_replication.sql');
});

test('registers the very connector config the native stack registers', () => {
  const committed = JSON.parse(readFileSync(join(root, 'infra', 'local', 'docker', 'debezium-connector.json'), 'utf8'));
  expect(committed).toEqual(connectorConfig(defaults, 'postgres'));
  // the secret is a reference the worker resolves, never a value
  expect(committed['database.password']).toBe('${env:POSTGRES_REPLICATION_PASSWORD}');
  expect(compose.services.connect!.environment!.CONNECT_CONFIG_PROVIDERS).toBe('env');
});

test('Kafka and Debezium versions agree with the native stack', () => {
  expect(compose.services.kafka!.image).toBe(`apache/kafka:${VERSIONS.kafka}`);
  expect(compose.services.connect!.image).toBe(`quay.io/debezium/connect:${VERSIONS.debezium}`);
});
