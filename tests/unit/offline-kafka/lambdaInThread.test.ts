/**
 * The in-thread invocation of offline-kafka (infra/local/offline-common/lambdaInThread.ts): the setup
 * taken from a resolved service, the thread's environment, and a real run of fixture handlers in
 * a worker thread through serverless-offline's own Lambda class (results, the function's
 * environment and context, concurrency, errors and timeouts).
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { inThreadSetup, threadEnv, type InThreadSetup } from '../../../infra/local/offline-common/lambdaInThread';
import type { ServerlessLike } from '../../../infra/local/offline-common/plugin';
import { invokeMode } from '../../../infra/local/offline-kafka/plugin';
import { serviceWith } from '../../fixtures/serverless';

jest.setTimeout(60_000);

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'offline');

function serverless(fn: Record<string, unknown>, offline: Record<string, unknown> = {}): ServerlessLike {
  const service = serviceWith({ echo: fn as never }, { 'serverless-offline': offline });
  service.provider = {
    stage: 'dev',
    region: 'eu-west-1',
    runtime: 'nodejs22.x',
    timeout: 6,
    environment: { GREETING: 'from provider', SHARED: 'p' },
    iam: { role: { statements: [{ Effect: 'Allow', Resource: { 'Fn::GetAtt': ['X', 'Arn'] } }] } },
  };
  return { service, config: { servicePath: FIXTURES, serverlessPath: '/nowhere' }, serviceDir: FIXTURES };
}

function runInThread(
  setup: InThreadSetup,
  batches: unknown[][],
): Promise<Array<Array<{ ok?: Record<string, unknown>; error?: string; name?: string }>>> {
  return new Promise((resolve, reject) => {
    const w = new Worker(join(FIXTURES, 'inThreadRunner.js'), { workerData: { setup, batches }, env: threadEnv(setup) });
    w.once('message', (m) => {
      void w.terminate();
      resolve(m as never);
    });
    w.once('error', reject);
  });
}

describe('in-thread invocation setup', () => {
  it('takes the function, the parts of provider LambdaFunction reads, and serverless-offline options with the in-process runner', () => {
    const sls = serverless(
      { handler: 'handlers.echo', timeout: 2, environment: { GREETING: 'from function' } },
      { location: '.esbuild/.build', localEnvironment: true, lambdaPort: 3002 },
    );
    const setup = inThreadSetup(sls, 'echo', { noTimeout: true });
    expect(setup.functionName).toBe('banking-cdc-dev-echo');
    expect(setup.functionDefinition).toEqual({
      name: 'banking-cdc-dev-echo',
      handler: 'handlers.echo',
      timeout: 2,
      environment: { GREETING: 'from function' },
    });
    expect(setup.serverless.service.provider).toEqual({
      environment: { GREETING: 'from provider', SHARED: 'p' },
      region: 'eu-west-1',
      runtime: 'nodejs22.x',
      timeout: 6,
    });
    expect(setup.serverless.config.servicePath).toBe(FIXTURES);
    expect(setup.options).toMatchObject({
      location: '.esbuild/.build',
      localEnvironment: true,
      noTimeout: true,
      useInProcess: true,
      useDocker: false,
    });
    // plain data: it crosses into the thread by structured clone
    expect(structuredClone(setup)).toEqual(setup);
  });

  it("starts the thread with serverless-offline's worker environment: all of it with localEnvironment, else only AWS_*", () => {
    const env = { AWS_PROFILE: 'x', MINIO_ROOT_PASSWORD: 'secret', PATH: '/bin' };
    const local = inThreadSetup(serverless({ handler: 'handlers.echo' }, { localEnvironment: true }), 'echo');
    const isolated = inThreadSetup(serverless({ handler: 'handlers.echo' }), 'echo');
    expect(threadEnv(local, env)).toEqual(env);
    expect(threadEnv(isolated, env)).toEqual({ AWS_PROFILE: 'x' });
  });

  it('invokes in the thread unless custom.offlineKafka.invoke or OFFLINE_KAFKA_INVOKE says api', () => {
    expect(invokeMode(undefined, {})).toBe('thread');
    expect(invokeMode({ invoke: 'api' }, {})).toBe('api');
    expect(invokeMode({ invoke: 'api' }, { OFFLINE_KAFKA_INVOKE: 'thread' })).toBe('thread');
    expect(() => invokeMode({}, { OFFLINE_KAFKA_INVOKE: 'http' })).toThrow(/OFFLINE_KAFKA_INVOKE.*got http/);
  });
});

describe("a function run in the thread by serverless-offline's Lambda class", () => {
  it("returns the handler's result, with the function's environment and context, one module per thread", async () => {
    const setup = inThreadSetup(serverless({ handler: 'handlers.echo', environment: { GREETING: 'from function' } }), 'echo');
    const [first, second] = await runInThread(setup, [[{ n: 21 }], [{ n: 1 }, { n: 2, sleepMs: 50 }, { n: 3 }]]);
    expect(first).toEqual([
      {
        ok: expect.objectContaining({
          doubled: 42,
          greeting: 'from function',
          region: 'eu-west-1',
          functionName: 'banking-cdc-dev-echo',
          calls: 1,
        }),
      },
    ]);
    expect(first![0]!.ok!.remainingMs).toBeGreaterThan(5000);
    // concurrent invocations run on instances of the pool, all in the one module of this thread
    expect(second!.map((r) => r.ok?.doubled)).toEqual([2, 4, 6]);
    expect(second!.map((r) => r.ok?.calls).sort()).toEqual([2, 3, 4]);
  });

  it('reports a thrown error and a timeout as failures of the invocation (the event source retries)', async () => {
    const setup = inThreadSetup(serverless({ handler: 'handlers.echo', timeout: 1 }), 'echo');
    const [results] = await runInThread(setup, [[{ n: 1, fail: 'poison' }, { n: 2, sleepMs: 1500 }, { n: 3 }]]);
    expect(results![0]).toEqual({
      error: 'function error (banking-cdc-dev-echo): asked to fail: poison',
      name: 'InThreadInvocationError',
    });
    expect(results![1]).toEqual({
      error: expect.stringMatching(/banking-cdc-dev-echo.*Lambda timeout/),
      name: 'InThreadInvocationError',
    });
    expect(results![2]!.ok!.doubled).toBe(6);
  });
});
