/**
 * Issue 27: the serverless commands a user runs in the checkout of a running pipeline must leave
 * it working. serverless-esbuild deletes its whole work folder when `sls package` ends and
 * rewrites it on `sls invoke local`; the pipeline (npm start, npm run e2e, the benches) builds
 * into a work folder of its own (infra/local/cli/offline.ts). And if its build disappears anyway, sls
 * offline builds it again, or stops saying what happened (infra/local/offline-common/buildGuard.ts).
 *
 * The first test continues `npm run e2e`'s persistent run (as tests/e2e/pipeline.test.ts does), so
 * it costs only what changed since the last run; the user's commands run while it runs, exactly as
 * docs/three-ways.md gives them, with no SLS_ESBUILD_WORK_FOLDER.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { runE2e, PERSISTENT_RUN } from '../../infra/local/cli/e2e-run';
import { startOffline } from '../../infra/local/cli/offline';
import { freePort } from '../../infra/local/cli/util/ports';
import { REPO_ROOT } from '../../infra/local/stack/context';
import { loadSettings, type Settings } from '../../infra/local/stack/settings';
import { sleep } from '../../infra/local/stack/proc';
import { connectFromConfig, parseGeneratorOptions, runGenerator } from '../../functions/generator';
import { createS3Client } from '../../functions/shared/s3';

jest.setTimeout(15 * 60_000);

const run = promisify(execFile);
// The samples' rows were recorded on another database: in the pipeline's bucket they would be
// loaded into its warehouse as if they were ours (docs/three-ways.md says to use a bucket of your own).
const SAMPLE_BUCKET = 'banking-data-shared-checkout-test';
const log = (m: string) => console.log(`[shared-checkout] ${m}`);

/** The environment a user's shell has: the stack's variables, no work folder of its own. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SLS_TELEMETRY_DISABLED: '1', NODE_NO_WARNINGS: '1', ...extra };
  delete env.SLS_ESBUILD_WORK_FOLDER;
  return env;
}

async function sls(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const t0 = Date.now();
  const { stdout } = await run('npx', ['sls', ...args], { cwd: REPO_ROOT, env, timeout: 300_000, maxBuffer: 32 << 20 });
  log(`npx sls ${args.join(' ')}: ${Date.now() - t0} ms`);
  return stdout;
}

const readJson = <T>(file: string) => JSON.parse(readFileSync(join(REPO_ROOT, file), 'utf8')) as T;
const sampleGroups = () =>
  Object.values(readJson<{ records: Record<string, Array<{ value: string | null }>> }>('events/writeBatch.json').records).filter(
    (recs) => recs.some((r) => r.value !== null),
  ).length;
const sampleObjectKey = () =>
  decodeURIComponent(
    readJson<{ Records: Array<{ s3: { object: { key: string } } }> }>('events/loadObject.json').Records[0]!.s3.object.key,
  );

async function generate(cfg: Settings, seed: number, iterations: number): Promise<number> {
  const summary = await runGenerator({
    options: parseGeneratorOptions({ iterations, seed, intervalMs: 100 }),
    connect: connectFromConfig(cfg),
    logger: { info() {}, warn: log, error: log },
  });
  return Object.values(summary.totals.inserted).reduce((a, b) => a + b, 0);
}

async function waitForLog(file: string, from: number, re: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = re.exec(readFileSync(file, 'utf8').slice(from));
    if (m) return m[0];
    if (Date.now() > deadline) throw new Error(`no ${re} in ${file} within ${timeoutMs / 1000}s`);
    await sleep(250);
  }
}

test('sls invoke local and sls package beside the running pipeline leave it working; a build deleted by hand is rebuilt', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'shared-checkout-'));
  const s3 = createS3Client(loadSettings());
  await s3.send(new CreateBucketCommand({ Bucket: SAMPLE_BUCKET })).catch((err: Error) => {
    if (!/BucketAlreadyOwnedByYou|BucketAlreadyExists/.test(err.name)) throw err;
  });
  s3.destroy();
  const seen: { objects?: string[]; packaged?: string[]; ownBuildKept?: boolean; cleanBefore?: string[]; rebuilt?: string } = {};
  try {
    const report = await runE2e({
      iterations: 3,
      seed: 27,
      intervalMs: 200,
      catchUpTimeoutMs: 600_000,
      runId: PERSISTENT_RUN,
      skipDbt: true, // tests/e2e/pipeline.test.ts builds and checks the models
      log: (m) => console.log(`[e2e] ${m}`),
      duringRun: async ({ offline, cfg, logFile }) => {
        const from = readFileSync(logFile, 'utf8').length;
        const ownBuild = join(REPO_ROOT, offline.workFolder, '.build', 'handlers', 'writeBatch.js');
        expect(offline.workFolder).not.toBe('.esbuild');
        expect(existsSync(ownBuild)).toBe(true);

        // 1. A user tries a function by hand, then packages for a deploy, in this checkout.
        const out = await sls(
          ['invoke', 'local', '-f', 'writeBatch', '--path', 'events/writeBatch.json'],
          userEnv({ MINIO_BUCKET: SAMPLE_BUCKET, WAREHOUSE_PATH: join(tmp, 'mine.duckdb') }),
        );
        seen.objects = (JSON.parse(out.slice(out.lastIndexOf('\n{') + 1)) as { objects: string[] }).objects;
        expect(existsSync(join(REPO_ROOT, '.esbuild', '.build', 'handlers', 'writeBatch.js'))).toBe(true); // the default folder
        await sls(['package'], userEnv({}));
        seen.packaged = ['generate.zip', 'writeBatch.zip', 'loadObject.zip'].filter((z) =>
          existsSync(join(REPO_ROOT, '.serverless', z)),
        );
        expect(existsSync(join(REPO_ROOT, '.esbuild'))).toBe(false); // serverless-esbuild deleted its work folder...
        seen.ownBuildKept = existsSync(ownBuild); // ...not the pipeline's

        // New changes after both commands: the final reconciliation holds them only if they got through.
        const afterCommands = readFileSync(logFile, 'utf8').length;
        log(`after the user's commands: ${await generate(cfg, 2701, 3)} rows inserted`);
        await waitForLog(logFile, afterCommands, /writeBatch .* invoked in/, 120_000);
        await waitForLog(logFile, afterCommands, /offline-s3: loadObject: delivered/, 120_000);
        seen.cleanBefore =
          readFileSync(logFile, 'utf8')
            .slice(from)
            .match(/.*Cannot find module.*/g) ?? [];

        // 2. The pipeline's own build deleted by hand: sls offline builds it again.
        const deletedAt = readFileSync(logFile, 'utf8').length;
        rmSync(join(REPO_ROOT, offline.workFolder), { recursive: true, force: true });
        log(`deleted ${offline.workFolder}; ${await generate(cfg, 2702, 3)} rows inserted after`);
        seen.rebuilt = await waitForLog(logFile, deletedAt, /offline-build: functions rebuilt in .*/, 120_000);
        expect(existsSync(ownBuild)).toBe(true);
      },
    });
    // One object per table and partition of the sample, the one its S3 sample names among them.
    expect(seen.objects).toHaveLength(sampleGroups());
    expect(seen.objects).toContain(sampleObjectKey());
    expect(seen.packaged).toEqual(['generate.zip', 'writeBatch.zip', 'loadObject.zip']);
    expect(seen.ownBuildKept).toBe(true);
    expect(seen.cleanBefore).toEqual([]);
    expect(seen.rebuilt).toBeDefined();
    for (const t of ['customers', 'accounts', 'transactions'] as const) {
      expect([t, report.raw.diff[t]]).toEqual([t, { missing: 0, extra: 0, different: 0, samples: [] }]);
    }
    expect(report.raw.warehouse).toEqual(report.raw.source);
    expect(report.match).toBe(true);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('a build that cannot be made again stops sls offline with what happened and what to do', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'shared-checkout-'));
  const logFile = join(tmp, 'offline.log');
  const offline = await startOffline({
    root: REPO_ROOT,
    logFile,
    env: {
      OFFLINE_HTTP_PORT: String(await freePort()),
      OFFLINE_LAMBDA_PORT: String(await freePort()),
      OFFLINE_S3: 'off',
      WAREHOUSE_PATH: join(tmp, 'warehouse.duckdb'),
      NODE_NO_WARNINGS: '1',
    },
    params: {
      consumerGroupId: `shared-checkout-${Date.now().toString(36)}`,
      startingPosition: 'LATEST',
      generateSchedule: 'false',
    },
  });
  try {
    const exited = new Promise<number | null>((resolve) => offline.child.once('exit', (code) => resolve(code)));
    // A file where the work folder was: nothing can be built there.
    const folder = join(REPO_ROOT, offline.workFolder);
    rmSync(folder, { recursive: true, force: true });
    writeFileSync(folder, 'in the way');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exited,
      new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), 120_000))),
    ]);
    clearTimeout(timer);
    expect(code).not.toBe('still running');
    const text = readFileSync(logFile, 'utf8');
    expect(text).toMatch(/offline-build: the functions' build in .* disappeared .*building it again failed: .*not a directory/);
    expect(text).toMatch(/Stopping sls offline: .*What to do: .*start it again/);
  } finally {
    await offline.stop();
    expect(existsSync(join(REPO_ROOT, offline.workFolder))).toBe(false);
    rmSync(tmp, { recursive: true, force: true });
  }
});
