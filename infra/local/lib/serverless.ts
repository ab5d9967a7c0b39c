/**
 * What our offline event-source plugins read from osls's resolved Service object, and where
 * serverless-offline serves the Lambda API they invoke functions through.
 */

/** The part of osls's Service object we read (after variable resolution). */
export interface ServiceLike {
  service?: string | { name?: string };
  provider?: { stage?: string; region?: string; timeout?: number; [key: string]: unknown };
  custom?: Record<string, unknown>;
  package?: unknown;
  /** CloudFormation resources (serverless.yml `resources`, arrays merged). */
  resources?: { Resources?: Record<string, unknown> } | unknown;
  getAllFunctions(): string[];
  getFunction(key: string): FunctionLike;
}

export interface FunctionLike {
  name?: string;
  timeout?: number;
  events?: unknown[];
}

// Lambda's default function timeout.
const DEFAULT_TIMEOUT_SECONDS = 6;

export function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

export function num(v: unknown, what: string, fallback: number): number {
  if (v === undefined || v === null || v === '') return fallback;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) throw new Error(`${what} must be a number, got ${JSON.stringify(v)}`);
  return n;
}

export function serviceName(service: ServiceLike): string {
  return typeof service.service === 'string' ? service.service : (service.service?.name ?? 'service');
}

/** How serverless-offline's Lambda API knows a function: its deployed name `<service>-<stage>-<fn>`. */
export function deployedFunction(service: ServiceLike, functionKey: string): { functionName: string; timeoutSeconds: number } {
  const fn = service.getFunction(functionKey);
  const stage = service.provider?.stage ?? 'dev';
  return {
    functionName: fn.name ?? `${serviceName(service)}-${stage}-${functionKey}`,
    timeoutSeconds: fn.timeout ?? service.provider?.timeout ?? DEFAULT_TIMEOUT_SECONDS,
  };
}

/** Where serverless-offline serves the Lambda API (custom.serverless-offline host / lambdaPort). */
export function lambdaEndpoint(service: ServiceLike, cliOptions: Record<string, unknown> = {}): { host: string; port: number } {
  const offline = asRecord(service.custom?.['serverless-offline']) ?? {};
  const host = String(cliOptions.host ?? offline.host ?? 'localhost');
  const port = num(cliOptions.lambdaPort ?? offline.lambdaPort, 'lambdaPort', 3002);
  // serverless-offline binds the host it is given; 0.0.0.0 is reachable through loopback.
  return { host: host === '0.0.0.0' ? '127.0.0.1' : host, port };
}
