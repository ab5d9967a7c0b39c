/**
 * The native local stack: up (provision + start + configure, idempotent), status, down.
 * Services run as plain processes on 127.0.0.1 with data and logs under STACK_DIR.
 */
import { PipelineError } from '../../../functions/shared/errors';
import type { Health, Service, StackContext } from './service';
import { makeContext } from './context';
import { portOpen, tail, waitFor } from './proc';
import { withHeartbeat } from './heartbeat';
import { MissingToolError } from './prerequisites';
import { postgresService } from './services/postgres';
import { kafkaService } from './services/kafka';
import { connectService, debeziumService } from './services/connect';
import { minioService } from './services/minio';

/** Core services, in start order (down goes in reverse). */
export const CORE_SERVICES: Service[] = [postgresService, minioService, kafkaService, connectService, debeziumService];

/** Airflow is heavier and only needed for orchestration: opt-in (`--with-airflow`, and `npm start`). */
export function optionalServices(): Service[] {
  try {
    // Loaded lazily: the Python toolchain is only installed when Airflow is asked for.
    return [require('./services/airflow').airflowService as Service];
  } catch {
    return [];
  }
}

export function servicesFor(opts: { withAirflow?: boolean }): Service[] {
  return opts.withAirflow ? [...CORE_SERVICES, ...optionalServices()] : CORE_SERVICES;
}

export class StackError extends PipelineError {
  override readonly name = 'StackError';
  constructor(
    readonly service: string,
    message: string,
    readonly logFile?: string,
  ) {
    super(`${service}: ${message}${logFile ? `\n  log: ${logFile}\n${indent(tail(logFile))}` : ''}`, {
      hint: `read the end of its log above; npm run stack -- status shows each service (README: Troubleshooting)`,
    });
  }
}

const indent = (s: string) =>
  s
    .split('\n')
    .map((l) => `    | ${l}`)
    .join('\n');

export interface UpOptions {
  quiet?: boolean;
  withAirflow?: boolean;
  ctx?: StackContext;
  /** Filled as services are started, so a caller still knows what to stop when `up` fails half-way. */
  started?: Service[];
}

export interface UpResult {
  /** Anything provisioned, started or reconfigured (what stackUp's boolean says). */
  changed: boolean;
  /** Services this call started (they were not running before), in start order: what a caller may stop again. */
  started: Service[];
}

/** Bring every service up; returns true if anything changed. Throws StackError naming the failing service. */
export async function stackUp(opts: UpOptions = {}): Promise<boolean> {
  return (await stackUpDetailed(opts)).changed;
}

/**
 * stackUp, also telling which services it started, so that a caller such as `npm start` can stop
 * exactly those on exit and leave a stack that was already running (shared with others) alone.
 */
export async function stackUpDetailed(opts: UpOptions = {}): Promise<UpResult> {
  const ctx = opts.ctx ?? makeContext({ quiet: opts.quiet });
  let changed = false;
  const started: Service[] = opts.started ?? [];
  const t0 = Date.now();
  for (const svc of servicesFor(opts)) {
    const before = await svc.health(ctx);
    if (before.healthy) {
      const reconfigured = (await svc.configure?.(ctx)) ?? false;
      changed ||= reconfigured;
      ctx.log(`${svc.name}: already running (${before.detail})${reconfigured ? ', configuration updated' : ''}`);
      continue;
    }
    const isReady = () => (svc.ready ? svc.ready(ctx) : svc.health(ctx).then((h) => h.healthy));
    try {
      if (await svc.provision(ctx)) changed = true;
    } catch (err) {
      if (err instanceof MissingToolError) throw err; // says what to install; no log to show
      throw new StackError(svc.name, `provisioning failed: ${(err as Error).message}`);
    }
    if (!(await isReady().catch(() => false))) {
      // A process of ours that is alive but not ready (crashed half-way, stale config) is restarted.
      if (await svc.stop(ctx).catch(() => false)) ctx.log(`${svc.name}: stopped a stale instance of ours`);
      for (const p of svc.ports(ctx)) {
        if (await portOpen(p.port)) {
          throw new StackError(
            svc.name,
            `port ${p.port} is already in use by another process. Stop it, or move ${svc.name} to a free port with ${p.variable} in .env`,
          );
        }
      }
      // Counted before it is ready: a start that then times out still left a process to stop.
      started.push(svc);
      await withHeartbeat({ name: svc.name, doing: 'starting', done: 'started', log: ctx.log }, async () => {
        try {
          await svc.start(ctx);
        } catch (err) {
          if (err instanceof MissingToolError) throw err;
          throw new StackError(svc.name, `failed to start: ${(err as Error).message}`, svc.logFile(ctx));
        }
        if (!(await waitFor(() => isReady(), svc.startTimeoutMs))) {
          throw new StackError(svc.name, `did not become ready within ${svc.startTimeoutMs / 1000}s`, svc.logFile(ctx));
        }
      });
      changed = true;
    }
    try {
      if (await svc.configure?.(ctx)) changed = true;
    } catch (err) {
      throw new StackError(svc.name, `configuration failed: ${(err as Error).message}`, svc.logFile(ctx));
    }
    const after = await svc.health(ctx);
    if (!after.healthy) throw new StackError(svc.name, `unhealthy after start: ${after.detail}`, svc.logFile(ctx));
    ctx.log(`${svc.name}: healthy (${after.detail})`);
  }
  ctx.log(changed ? `stack up in ${((Date.now() - t0) / 1000).toFixed(1)}s` : 'stack already up: nothing changed');
  return { changed, started };
}

/** Stop the given services in reverse start order (e.g. UpResult.started); data stays. */
export async function stopServices(services: readonly Service[], ctx: StackContext): Promise<void> {
  for (const svc of [...services].reverse()) {
    const stopped = await svc.stop(ctx).catch((err: Error) => {
      ctx.log(`${svc.name}: stop failed: ${err.message}`);
      return false;
    });
    if (stopped) ctx.log(`${svc.name}: stopped`);
  }
}

export interface ServiceStatus extends Health {
  name: string;
  ports: number[];
  log: string;
}

export async function stackStatus(opts: { withAirflow?: boolean; ctx?: StackContext } = {}): Promise<ServiceStatus[]> {
  const ctx = opts.ctx ?? makeContext({ quiet: true });
  // Airflow shows in status whenever it is installed, so `status` tells the whole truth.
  const services = [...CORE_SERVICES, ...optionalServices()];
  return Promise.all(
    services.map(async (svc) => {
      const h = await svc.health(ctx).catch((err: Error) => ({ healthy: false, detail: err.message }));
      const optional = !CORE_SERVICES.includes(svc) && !opts.withAirflow;
      return {
        name: svc.name + (optional ? ' (optional)' : ''),
        ports: svc.ports(ctx).map((p) => p.port),
        log: svc.logFile(ctx),
        ...h,
      };
    }),
  );
}

/** Stop what `up` started, in reverse order. Data stays unless wipe. */
export async function stackDown(opts: { wipe?: boolean; quiet?: boolean; ctx?: StackContext } = {}): Promise<void> {
  const ctx = opts.ctx ?? makeContext({ quiet: opts.quiet });
  for (const svc of [...CORE_SERVICES, ...optionalServices()].reverse()) {
    const stopped = await svc.stop(ctx).catch((err: Error) => {
      ctx.log(`${svc.name}: stop failed: ${err.message}`);
      return false;
    });
    if (stopped) ctx.log(`${svc.name}: stopped`);
  }
  if (opts.wipe) {
    const { rmSync } = await import('node:fs');
    rmSync(ctx.stackDir, { recursive: true, force: true });
    ctx.log(`wiped ${ctx.stackDir} (downloads in ${ctx.cacheDir} kept)`);
  }
}
