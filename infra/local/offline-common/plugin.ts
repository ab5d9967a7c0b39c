/**
 * The one base of our serverless-offline event sources (offline-kafka, offline-s3): the osls
 * plugin constructor, the hook wiring, SIGINT/SIGTERM handling and an idempotent stop. Each
 * plugin says what to read at init, what to start once serverless-offline's Lambda API is up,
 * and how to stop its sources.
 *
 * Hooks: `offline:start:init` reads and logs the config; `offline:start:ready` (after
 * serverless-offline has started its Lambda API) starts the sources; `offline:start:end` and
 * SIGINT/SIGTERM stop them. Plain `sls offline` (hook `offline:start`) runs init then start: the
 * sources wait until the Lambda port answers. No plugin exits the process: serverless-offline
 * owns shutdown (the build guard asks it to stop, with SIGTERM, when the functions' build is gone
 * for good: buildGuard.ts).
 */
import { guardBuild, stopBuildGuard } from './buildGuard';
import { pluginLogger, type OslsLog, type SourceLogger } from './log';
import { lambdaEndpoint, type ServiceLike } from '../lib/serverless';

export interface ServerlessLike {
  service: ServiceLike;
  config?: { servicePath?: string; serverlessPath?: string; serviceDir?: string };
  serviceDir?: string;
  pluginManager?: { plugins?: unknown[] };
}

export abstract class OfflineEventSourcePlugin {
  readonly hooks: Record<string, () => Promise<void> | void>;
  protected readonly serverless: ServerlessLike;
  protected readonly log: SourceLogger;
  readonly #cliOptions: Record<string, unknown>;
  #stopping: Promise<void> | undefined;
  /** Set at the first stop(); a source still waiting for the Lambda API gives up. */
  protected stopped = false;

  constructor(prefix: string, serverless: ServerlessLike, cliOptions: Record<string, unknown> = {}, utils?: { log?: OslsLog }) {
    this.serverless = serverless;
    this.#cliOptions = cliOptions;
    this.log = pluginLogger(prefix, utils?.log);
    const guard = () => guardBuild(serverless, pluginLogger('offline-build:', utils?.log));
    this.hooks = {
      'offline:start:init': () => this.init(),
      'offline:start:ready': () => {
        guard();
        return this.start();
      },
      'offline:start': async () => {
        this.init();
        guard();
        await this.start();
      },
      'offline:start:end': () => this.stop(),
    };
  }

  /** Read and log the config (`offline:start:init`). */
  protected abstract init(): void;
  /** Start the sources (`offline:start:ready`); must not wait for them. */
  protected abstract start(): Promise<void>;
  /** Stop the sources; resolves once what is in flight has ended. Called once. */
  protected abstract stopSources(): Promise<void>;

  /** The options `sls offline start` was given on the command line. */
  protected get cliOptions(): Record<string, unknown> {
    return this.#cliOptions;
  }

  /** Where serverless-offline serves the Lambda API (custom.serverless-offline, or the CLI's options). */
  protected lambdaEndpoint(): { host: string; port: number } {
    return lambdaEndpoint(this.serverless.service, this.#cliOptions);
  }

  protected logInvoking(host: string, port: number, functionNames: string[]): void {
    this.log.info(`invoking through the Lambda API at http://${host}:${port} (${functionNames.join(', ')})`);
  }

  /**
   * serverless-offline stops on these signals too; start stopping at once so that what is in
   * flight can finish before the process goes away.
   */
  protected listenForTermination(stopping: string): void {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        this.log.info(`got ${signal}, ${stopping}`);
        void this.stop();
      });
    }
  }

  /** Idempotent; resolves once every source has stopped and what it had in flight has ended. */
  stop(): Promise<void> {
    if (!this.#stopping) {
      this.stopped = true;
      stopBuildGuard(this.serverless);
      this.#stopping = this.stopSources();
    }
    return this.#stopping;
  }
}
