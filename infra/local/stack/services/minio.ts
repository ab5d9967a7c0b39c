/**
 * MinIO, built from source with `go install` at a pinned pseudo-version (upstream publishes
 * source only and is unmaintained), binary cached outside the clone. Bucket created via the S3 API.
 * No bucket notification config: locally, S3 events come from infra/local/offline-s3, which polls the
 * bucket (MinIO's ListenBucketNotification delivered events minutes late or never here).
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { HeadBucketCommand, CreateBucketCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../../../functions/shared/s3';
import { serviceDirs, type Service, type StackContext } from '../service';
import { urlPort } from '../settings';
import { httpGet, portOpen, runAsync, startDetached, stopByPidFile } from '../proc';
import { withHeartbeat } from '../heartbeat';
import { VERSIONS } from '../versions';

const dirs = (ctx: StackContext) => serviceDirs(ctx, 'minio', { data: 'data', log: 'minio.log', pid: 'minio.pid' });

export const minioBinary = (ctx: StackContext) => join(ctx.cacheDir, 'bin', `minio-${VERSIONS.minio}`);

export const minioService: Service = {
  name: 'minio',
  startTimeoutMs: 60_000,
  ports: (ctx) => [
    { port: urlPort(ctx.cfg.MINIO_ENDPOINT), variable: 'MINIO_ENDPOINT' },
    { port: ctx.cfg.MINIO_CONSOLE_PORT, variable: 'MINIO_CONSOLE_PORT' },
  ],
  logFile: (ctx) => dirs(ctx).log,

  async provision(ctx) {
    const bin = minioBinary(ctx);
    if (existsSync(bin)) return false;
    const gobin = join(ctx.cacheDir, 'gobuild');
    mkdirSync(gobin, { recursive: true });
    const detail = `github.com/minio/minio@${VERSIONS.minio} with go install (first run only, a few minutes)`;
    await withHeartbeat({ name: 'minio', doing: 'building', detail, done: 'built', log: ctx.log }, () =>
      runAsync('go', ['install', `github.com/minio/minio@${VERSIONS.minio}`], {
        env: { ...process.env, GOBIN: gobin, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' },
      }),
    );
    mkdirSync(join(ctx.cacheDir, 'bin'), { recursive: true });
    renameSync(join(gobin, 'minio'), bin);
    return true;
  },

  async start(ctx) {
    const d = dirs(ctx);
    mkdirSync(d.data, { recursive: true });
    const api = new URL(ctx.cfg.MINIO_ENDPOINT);
    startDetached({
      cmd: minioBinary(ctx),
      args: [
        'server',
        d.data,
        '--address',
        `${api.hostname}:${urlPort(ctx.cfg.MINIO_ENDPOINT)}`,
        '--console-address',
        `127.0.0.1:${ctx.cfg.MINIO_CONSOLE_PORT}`,
        '--quiet',
      ],
      env: {
        ...process.env,
        MINIO_ROOT_USER: ctx.cfg.MINIO_ROOT_USER,
        MINIO_ROOT_PASSWORD: ctx.cfg.MINIO_ROOT_PASSWORD,
        MINIO_BROWSER: 'on',
        MINIO_UPDATE: 'off',
      },
      logFile: d.log,
      pidFile: d.pid,
    });
  },

  async ready(ctx) {
    return (await httpGet(`${ctx.cfg.MINIO_ENDPOINT}/minio/health/live`).catch(() => ({ status: 0 }))).status === 200;
  },

  async health(ctx) {
    if (!(await portOpen(urlPort(ctx.cfg.MINIO_ENDPOINT)))) return { healthy: false, detail: 'not listening' };
    try {
      const live = await httpGet(`${ctx.cfg.MINIO_ENDPOINT}/minio/health/live`);
      if (live.status !== 200) return { healthy: false, detail: `health answered ${live.status}` };
      let bucket = 'missing';
      try {
        await createS3Client(ctx.cfg).send(new HeadBucketCommand({ Bucket: ctx.cfg.MINIO_BUCKET }));
        bucket = 'ready';
      } catch {
        /* reported below */
      }
      return {
        healthy: bucket === 'ready',
        detail: `bucket ${ctx.cfg.MINIO_BUCKET} ${bucket}, console :${ctx.cfg.MINIO_CONSOLE_PORT}`,
      };
    } catch (err) {
      return { healthy: false, detail: (err as Error).message };
    }
  },

  async stop(ctx) {
    return stopByPidFile(dirs(ctx).pid);
  },

  async configure(ctx) {
    const s3 = createS3Client(ctx.cfg);
    try {
      await s3.send(new HeadBucketCommand({ Bucket: ctx.cfg.MINIO_BUCKET }));
      return false;
    } catch {
      await s3.send(new CreateBucketCommand({ Bucket: ctx.cfg.MINIO_BUCKET }));
      ctx.log(`minio: created bucket ${ctx.cfg.MINIO_BUCKET}`);
      return true;
    }
  },
};
