/** Each service's health, as `npm run stack -- status` tells it, with where a person can look. */
import type { Settings } from '../stack/settings';
import { portOpen } from '../stack/proc';
import type { StackContext } from '../stack/service';
import { stackStatus } from '../stack/stack';
import type { ServiceHealth, Status } from './types';

export function links(cfg: Settings): Status['links'] {
  return {
    minioConsole: `http://127.0.0.1:${cfg.MINIO_CONSOLE_PORT}`,
    connect: `${cfg.KAFKA_CONNECT_URL}/connectors/${cfg.DEBEZIUM_CONNECTOR_NAME}/status`,
    airflow: `http://127.0.0.1:${cfg.AIRFLOW_PORT}`,
  };
}

export async function readHealth(ctx: StackContext, lambdaPort: number): Promise<ServiceHealth[]> {
  const l = links(ctx.cfg);
  const linkFor: Record<string, string> = {
    minio: l.minioConsole,
    connect: l.connect.replace(/\/connectors\/.*$/, '/connectors'),
    debezium: l.connect,
    airflow: l.airflow,
  };
  const services: ServiceHealth[] = (await stackStatus({ ctx, withAirflow: true })).map((s) => ({
    name: s.name,
    healthy: s.healthy,
    detail: s.detail,
    ...(linkFor[s.name] ? { link: linkFor[s.name] } : {}),
  }));
  const up = await portOpen(lambdaPort);
  services.push({
    name: 'functions',
    healthy: up,
    detail: up ? `sls offline, Lambda API on :${lambdaPort}` : `sls offline not answering on :${lambdaPort}`,
  });
  return services;
}
