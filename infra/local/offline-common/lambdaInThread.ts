/**
 * Runs a function in the calling thread with serverless-offline's own Lambda emulation (its public
 * `serverless-offline/lambda` export, with its in-process runner): the same handler build
 * (serverless-esbuild's `location`), environment (provider + function + AWS_* variables, or the
 * whole environment with localEnvironment), context and timeout as an invocation through its
 * Lambda API, which runs the same runner inside a worker thread of its own.
 *
 * Why: an event through the Lambda API is serialised to JSON, parsed again on serverless-offline's
 * main thread, then structured-cloned into the function's worker. For a 6 MB Kafka event that was
 * about half of the CPU of a catch-up replay (profiled), all of it spent on bytes the function then
 * decodes anyway. Here the event source's thread hands the event object to the handler as is.
 *
 * The setup is plain data (structured-clonable) built on the main thread from osls's Service, so
 * the thread that runs the function needs nothing of osls.
 */
import { asRecord, deployedFunction } from '../lib/serverless';
import type { ServerlessLike } from './plugin';
import { PipelineError } from '../../../functions/shared/errors';

export interface InThreadSetup {
  functionKey: string;
  /** The function's resolved definition (handler, environment, timeout, ...), as plain data. */
  functionDefinition: Record<string, unknown>;
  /** What LambdaFunction reads of `serverless`, as plain data. */
  serverless: {
    service: { service: string; provider: Record<string, unknown>; package: unknown };
    config: { servicePath?: string; serverlessPath?: string };
    serviceDir?: string;
  };
  /** serverless-offline's options (its custom block and CLI options), with the in-process runner. */
  options: Record<string, unknown>;
  /** For error messages: the deployed name. */
  functionName: string;
}

const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v ?? null)) as T;

/** Main thread: everything serverless-offline would use to run `functionKey`, as plain data. */
export function inThreadSetup(
  serverless: ServerlessLike,
  functionKey: string,
  cliOptions: Record<string, unknown> = {},
): InThreadSetup {
  const { service } = serverless;
  const provider = service.provider ?? {};
  const custom = asRecord(service.custom?.['serverless-offline']) ?? {};
  const name = typeof service.service === 'string' ? service.service : (service.service?.name ?? 'service');
  const { functionName } = deployedFunction(service, functionKey);
  return {
    functionKey,
    functionName,
    // osls names every function as it resolves the service; a bare definition gets the same name.
    functionDefinition: plain({ name: functionName, ...(service.getFunction(functionKey) as Record<string, unknown>) }),
    serverless: {
      service: {
        service: name,
        // Only what LambdaFunction reads: the rest of provider (IAM, VPC, ...) may not be plain data.
        provider: plain({
          environment: provider.environment,
          memorySize: provider.memorySize,
          region: provider.region,
          runtime: provider.runtime,
          architecture: provider.architecture,
          timeout: provider.timeout,
          name: provider.name,
        }),
        package: plain(service.package ?? {}),
      },
      config: { servicePath: serverless.config?.servicePath, serverlessPath: serverless.config?.serverlessPath },
      serviceDir: serverless.serviceDir ?? serverless.config?.serviceDir,
    },
    // serverless-offline merges its defaults, custom.serverless-offline and the CLI's options, in
    // that order; these defaults are the ones LambdaFunction reads.
    options: plain({
      localEnvironment: false,
      noTimeout: false,
      ...custom,
      ...cliOptions,
      useInProcess: true,
      useDocker: false,
    }),
  };
}

/** The environment the function's thread starts with: what serverless-offline would give its worker. */
export function threadEnv(setup: InThreadSetup, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (setup.options.localEnvironment === true) return { ...env };
  // Without localEnvironment serverless-offline copies only AWS_* variables; the function's own
  // are added by LambdaFunction in the thread.
  return Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('AWS_')));
}

/** serverless-offline's Lambda class (`import('serverless-offline/lambda')`), as far as it is used here. */
export interface OfflineLambdaClass {
  new (
    serverless: unknown,
    options: unknown,
  ): {
    create(lambdas: Array<{ functionKey: string; functionDefinition: unknown }>): void;
    get(functionKey: string): { setEvent(event: unknown): void; runHandler(): Promise<unknown> };
    cleanup(): Promise<void>;
  };
}

/** The function failed (threw, or ran into its timeout); the event source retries the batch. */
export class InThreadInvocationError extends PipelineError {
  override readonly name = 'InThreadInvocationError';
  constructor(functionName: string, cause: unknown) {
    super(`function error (${functionName}): ${cause instanceof Error ? cause.message : String(cause)}`, {
      hint: "retried; see the function's log (.stack/functions/offline.log) for its error",
    });
  }
}

/** Thread side: an invoke function that runs the handler here; `close` ends the emulated instances. */
export function createInThreadInvoker<E>(
  setup: InThreadSetup,
  Lambda: OfflineLambdaClass,
): { invoke: (event: E) => Promise<unknown>; close: () => Promise<void> } {
  const lambda = new Lambda(setup.serverless, setup.options);
  lambda.create([{ functionKey: setup.functionKey, functionDefinition: setup.functionDefinition }]);
  return {
    invoke: async (event) => {
      // The pool hands out an idle instance, or a new one while the others are busy (concurrency).
      const fn = lambda.get(setup.functionKey);
      fn.setEvent(event);
      try {
        return await fn.runHandler();
      } catch (err) {
        throw new InThreadInvocationError(setup.functionName, err);
      }
    },
    close: () => lambda.cleanup(),
  };
}
