/**
 * The build guard of `sls offline` (infra/local/offline-common/buildGuard.ts): what it watches, that it
 * builds a vanished build again, and that it stops sls offline with a message saying what happened
 * and what to do when it cannot. The real thing, with sls offline and serverless-esbuild, is in
 * tests/e2e/shared-checkout.test.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BuildGuard,
  buildFiles,
  findEsbuildPlugin,
  type GuardedServerless,
} from '../../../infra/local/offline-common/buildGuard';
import type { SourceLogger } from '../../../infra/local/offline-common/log';
import type { FunctionLike } from '../../../infra/local/lib/serverless';

function recorder(): SourceLogger & { lines: Array<[string, string]> } {
  const lines: Array<[string, string]> = [];
  return {
    lines,
    info: (m) => lines.push(['info', m]),
    warn: (m) => lines.push(['warn', m]),
    error: (m) => lines.push(['error', m]),
    debug: () => undefined,
  };
}

function serverlessAt(dir: string, location: string | undefined, plugins: unknown[] = []): GuardedServerless {
  const functions: Record<string, { handler: string }> = {
    writeBatch: { handler: 'handlers/writeBatch.handler' },
    loadObject: { handler: 'handlers/loadObject.handler' },
  };
  return {
    serviceDir: dir,
    service: {
      custom: location === undefined ? {} : { 'serverless-offline': { location } },
      getAllFunctions: () => Object.keys(functions),
      getFunction: (k: string) => functions[k] as FunctionLike,
    },
    pluginManager: { plugins },
  };
}

describe('buildFiles', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'build-guard-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('each built handler module and the externals installed beside them', () => {
    mkdirSync(join(dir, '.esbuild-x/.build/handlers'), { recursive: true });
    mkdirSync(join(dir, '.esbuild-x/.build/node_modules'));
    writeFileSync(join(dir, '.esbuild-x/.build/handlers/writeBatch.js'), '');
    writeFileSync(join(dir, '.esbuild-x/.build/handlers/loadObject.js'), '');
    expect(buildFiles(serverlessAt(dir, '.esbuild-x/.build'))).toEqual({
      folder: join(dir, '.esbuild-x/.build'),
      files: [
        join(dir, '.esbuild-x/.build/handlers/writeBatch.js'),
        join(dir, '.esbuild-x/.build/handlers/loadObject.js'),
        join(dir, '.esbuild-x/.build/node_modules'),
      ],
    });
  });

  test('nothing to guard when the handlers run from source (no build location) or nothing was built', () => {
    expect(buildFiles(serverlessAt(dir, undefined))).toBeUndefined();
    expect(buildFiles(serverlessAt(dir, '.esbuild-x/.build'))).toBeUndefined();
  });
});

test("findEsbuildPlugin finds serverless-esbuild's instance among the plugins by the steps the guard calls", () => {
  const esbuild = { bundle: async () => {}, packExternalModules: async () => {}, copyExtras: async () => {} };
  expect(findEsbuildPlugin(serverlessAt('/x', 'l', [{ hooks: {} }, esbuild]))).toBe(esbuild);
  expect(findEsbuildPlugin(serverlessAt('/x', 'l', [{ bundle: async () => {} }]))).toBeUndefined();
});

describe('BuildGuard', () => {
  const files = ['/b/handlers/writeBatch.js', '/b/node_modules'];

  function guardWith(present: Set<string>, rebuild: (() => Promise<void>) | undefined) {
    const log = recorder();
    const giveUp = jest.fn();
    const guard = new BuildGuard({
      folder: '/b',
      files,
      rebuild,
      giveUp,
      log,
      retryDelayMs: 1,
      exists: (f) => present.has(f),
    });
    return { guard, log, giveUp };
  }

  test('does nothing while the build is there', async () => {
    const rebuild = jest.fn(async () => {});
    const { guard, log, giveUp } = guardWith(new Set(files), rebuild);
    await guard.check();
    expect(rebuild).not.toHaveBeenCalled();
    expect(giveUp).not.toHaveBeenCalled();
    expect(log.lines).toEqual([]);
  });

  test('builds it again when it disappeared, and says why it had to', async () => {
    const present = new Set<string>();
    const rebuild = jest.fn(async () => {
      for (const f of files) present.add(f);
    });
    const { guard, log, giveUp } = guardWith(present, rebuild);
    await guard.check();
    expect(rebuild).toHaveBeenCalledTimes(1);
    expect(guard.rebuilds).toBe(1);
    expect(giveUp).not.toHaveBeenCalled();
    expect(log.lines[0]![1]).toMatch(
      /build in \/b disappeared \(2 of 2 files missing.*sls package or sls deploy.*building it again/,
    );
    expect(log.lines[1]![1]).toMatch(/functions rebuilt in \/b/);
  });

  test('a deletion still under way that undoes a build gets another try', async () => {
    const present = new Set<string>();
    let calls = 0;
    const rebuild = jest.fn(async () => {
      if (++calls > 1) for (const f of files) present.add(f);
    });
    const { guard, giveUp } = guardWith(present, rebuild);
    await guard.check();
    expect(rebuild).toHaveBeenCalledTimes(2);
    expect(guard.rebuilds).toBe(1);
    expect(giveUp).not.toHaveBeenCalled();
  });

  test('when it cannot be built again, it stops sls offline once, saying what happened and what to do', async () => {
    const rebuild = jest.fn(async () => {
      throw new Error('mkdir /b: not a directory');
    });
    const { guard, log, giveUp } = guardWith(new Set(), rebuild);
    await guard.check();
    await guard.check(); // stopped: no second attempt, no second stop
    expect(rebuild).toHaveBeenCalledTimes(3);
    expect(giveUp).toHaveBeenCalledTimes(1);
    const [level, msg] = log.lines[log.lines.length - 1]!;
    expect(level).toBe('error');
    expect(msg).toMatch(/disappeared.*building it again failed: mkdir \/b: not a directory \(3 attempts\)/);
    expect(msg).toMatch(/Stopping sls offline.*Nothing is lost.*What to do: .*start it again.*SLS_ESBUILD_WORK_FOLDER/);
  });

  test('without serverless-esbuild loaded there is nothing to build with: it stops at once', async () => {
    const { guard, log, giveUp } = guardWith(new Set(), undefined);
    await guard.check();
    expect(giveUp).toHaveBeenCalledTimes(1);
    expect(log.lines.map(([l]) => l)).toEqual(['error']);
    expect(log.lines[0]![1]).toMatch(/serverless-esbuild is not loaded/);
  });
});
