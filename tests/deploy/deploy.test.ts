/**
 * `sls deploy` end to end against an AWS emulator: ministack (PyPI, pinned and hashed in
 * infra/python/requirements-ministack.lock, its own virtualenv) on a free loopback port, with no
 * Docker and no account. osls builds only AWS SDK v3 clients, so AWS_ENDPOINT_URL redirects it.
 * Each Kafka source is packaged (with the stage's name) and deployed under a unique stage, what the
 * stack created is read back through the AWS APIs, then `sls remove` must leave nothing.
 *
 * Nothing reaches the local stack: schedules are deployed disabled, and Postgres, S3 (MinIO) and
 * Kafka settings point at a closed loopback port (ministack runs the real functions as local
 * processes). What ministack's CloudFormation drops (the mappings' topics, brokers and consumer
 * groups, reserved concurrency) is asserted on the packaged template instead.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CloudFormationClient, DescribeStackResourcesCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand, GetDashboardCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeRuleCommand, EventBridgeClient, ListRuleNamesByTargetCommand } from '@aws-sdk/client-eventbridge';
import { GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetFunctionCommand, LambdaClient, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort } from '../../infra/local/cli/util/ports';
import { ALARM_SUFFIXES } from '../fixtures/alarms';
import { makeContext } from '../../infra/local/stack/context';
import { ensureVenv, venvBin } from '../../infra/local/stack/python';

const run = promisify(execFile);
const root = join(__dirname, '../..');
const REGION = 'us-east-1';
const ACCOUNT = '000000000000'; // ministack's
const TABLES = ['customers', 'accounts', 'transactions'];
const FUNCTIONS = ['generate', 'writeBatch', 'loadObject'] as const;
const ROLES = { generate: 'GenerateRole', writeBatch: 'WriteBatchRole', loadObject: 'LoadObjectRole' } as const;
const id = randomBytes(3).toString('hex');
const bucket = `deploy-test-${id}`;
const variants = {
  selfManaged: { stage: `t${id}s`, args: [] as string[] },
  msk: {
    stage: `t${id}m`,
    args: [
      '--param=kafkaSource=msk',
      `--param=mskClusterArn=arn:aws:kafka:${REGION}:${ACCOUNT}:cluster/deploy-test/abcd1234-0000-1111-2222-333344445555-1`,
    ],
  },
};
type Variant = keyof typeof variants;

let ministack: ChildProcess | undefined;
let ministackLog = '';
let endpoint: string;
let closedPort: number;
let base: string;
const deployed: Partial<
  Record<Variant, { template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> } }>
> = {};
const clientConfig = () => ({
  endpoint,
  region: REGION,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});

function slsEnv(stage: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: REGION,
    // A closed loopback port for every service a deployed function could reach.
    POSTGRES_HOST: '127.0.0.1',
    POSTGRES_PORT: String(closedPort),
    MINIO_ENDPOINT: `http://127.0.0.1:${closedPort}`,
    KAFKA_BOOTSTRAP: `127.0.0.1:${closedPort}`,
    SLS_ESBUILD_WORK_FOLDER: `.esbuild-deploy-${stage}`,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    NODE_NO_WARNINGS: '1',
  };
}

async function sls(stage: string, args: string[]): Promise<void> {
  try {
    await run(join(root, 'node_modules/.bin/sls'), [...args, '--stage', stage, '--region', REGION], {
      cwd: root,
      env: slsEnv(stage),
      // A deploy that waits on a custom resource ministack cannot run hangs without an error.
      timeout: 240_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `sls ${args[0]} --stage ${stage} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}\nministack:\n${ministackLog.slice(-3000)}`,
    );
  } finally {
    await rm(join(root, `.esbuild-deploy-${stage}`), { recursive: true, force: true });
  }
}

const params = (variant: Variant) => [
  '--param=generateSchedule=false',
  '--param=sweepSchedule=false',
  `--param=dataBucket=${bucket}`,
  ...variants[variant].args,
];

/** Package into a folder of its own (so nothing shares .serverless/). */
async function slsPackage(variant: Variant): Promise<void> {
  await sls(variants[variant].stage, ['package', ...params(variant), '--package', join(base, variant)]);
}

/** Deploy what slsPackage built. */
async function deploy(variant: Variant): Promise<void> {
  const dir = join(base, variant);
  await sls(variants[variant].stage, ['deploy', ...params(variant), '--package', dir]);
  deployed[variant] = { template: JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) };
}

async function waitForMinistack(): Promise<void> {
  const until = Date.now() + 60_000;
  for (;;) {
    const up = await fetch(`${endpoint}/_ministack/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return;
    if (ministack?.exitCode !== null || Date.now() > until) throw new Error(`ministack did not start:\n${ministackLog}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  const venv = await ensureVenv(makeContext({ quiet: true }), 'ministack');
  base = await mkdtemp(join(tmpdir(), 'sls-deploy-'));
  const port = await freePort();
  closedPort = await freePort(); // free, and nothing will listen on it
  endpoint = `http://127.0.0.1:${port}`;
  ministack = spawn(venvBin(venv, 'ministack'), [], {
    cwd: base,
    env: {
      PATH: process.env.PATH,
      HOME: base,
      // Its functions' working folders go here, removed with it.
      TMPDIR: base,
      BIND_HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      // The framework's S3 custom resource needs @aws-sdk/client-s3, which Lambda provides and
      // ministack's local node processes do not.
      NODE_PATH: join(root, 'node_modules'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (c: Buffer) => {
    ministackLog = (ministackLog + c.toString()).slice(-20_000);
  };
  ministack.stdout!.on('data', keep);
  ministack.stderr!.on('data', keep);
  await waitForMinistack();
  // The data bucket exists before the stack (`existing: true`: the stack only adds a notification).
  await new S3Client({ ...clientConfig(), forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: bucket }));
  // Strictly one after the other: a package beside a deploy in one checkout made the deploy miss
  // its artifacts (".serverless/writeBatch.zip": ENOENT), as packages side by side lose zips.
  for (const v of Object.keys(variants) as Variant[]) {
    await slsPackage(v);
    await deploy(v);
  }
}, 600_000);

afterAll(async () => {
  try {
    await Promise.all((Object.keys(deployed) as Variant[]).map((v) => sls(variants[v].stage, ['remove']).catch(() => undefined)));
  } finally {
    ministack?.kill('SIGTERM');
    if (base) await rm(base, { recursive: true, force: true });
  }
}, 300_000);

/** Logical id -> physical id of the stack's resources. */
async function physicalIds(stage: string): Promise<Record<string, string>> {
  const cfn = new CloudFormationClient(clientConfig());
  const r = await cfn.send(new DescribeStackResourcesCommand({ StackName: `banking-cdc-${stage}` }));
  return Object.fromEntries((r.StackResources ?? []).map((x) => [x.LogicalResourceId!, x.PhysicalResourceId!]));
}

/**
 * The S3 -> loader path (the cloud-loader contract): the data bucket notifies the queue
 * `banking-cdc-<stage>-loader-objects` of new .parquet objects (a custom resource, since the bucket
 * is not the stack's), loadObject reads that queue through an SQS event source mapping with partial
 * batch responses, and the queue's dead-letter queue exists. The redrive policy and the visibility
 * timeout are asserted on the packaged template (tests/unit/infra/package.test.ts).
 */
async function assertS3ToLoaderPath(stage: string, ids: Record<string, string>): Promise<void> {
  expect(ids.LoaderObjectsQueue).toBeDefined();
  expect(ids.LoaderObjectsDeadLetterQueue).toBeDefined();
  const queueArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:banking-cdc-${stage}-loader-objects`;
  const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
  const notif = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
  const ours = (notif.QueueConfigurations ?? []).filter((c) => c.QueueArn === queueArn);
  expect(ours).toHaveLength(1);
  expect(ours[0]!.Events).toEqual(['s3:ObjectCreated:*']);
  expect(ours[0]!.Filter?.Key?.FilterRules).toEqual([expect.objectContaining({ Value: '.parquet' })]);
  const lambda = new LambdaClient(clientConfig());
  const r = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: `banking-cdc-${stage}-loadObject` }));
  const fromQueue = (r.EventSourceMappings ?? []).filter((m) => m.EventSourceArn === queueArn);
  expect(fromQueue).toHaveLength(1);
  expect(fromQueue[0]!.BatchSize).toBeGreaterThanOrEqual(100);
  expect(fromQueue[0]!.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
}

describe.each(Object.keys(variants) as Variant[])('sls deploy to ministack (%s)', (variant) => {
  const stage = () => variants[variant].stage;

  test('the stack is complete', async () => {
    const cfn = new CloudFormationClient(clientConfig());
    const r = await cfn.send(new DescribeStacksCommand({ StackName: `banking-cdc-${stage()}` }));
    // osls creates the stack, then updates it with the template.
    expect(['CREATE_COMPLETE', 'UPDATE_COMPLETE']).toContain(r.Stacks![0]!.StackStatus);
  });

  test('three functions, each with its own role and inline policies', async () => {
    const ids = await physicalIds(stage());
    const lambda = new LambdaClient(clientConfig());
    const iam = new IAMClient(clientConfig());
    for (const fn of FUNCTIONS) {
      const f = await lambda.send(new GetFunctionCommand({ FunctionName: `banking-cdc-${stage()}-${fn}` }));
      expect(f.Configuration).toMatchObject({ Runtime: 'nodejs22.x', Handler: `handlers/${fn}.handler` });
      const roleName = ids[ROLES[fn]];
      expect(roleName).toBeDefined();
      expect(f.Configuration!.Role).toMatch(new RegExp(`:role/${roleName}$`));
      const names = (await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
      expect(names).toContain(fn);
      const doc = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: fn }));
      const text = decodeURIComponent(doc.PolicyDocument!);
      expect(text).toContain(`/aws/lambda/banking-cdc-${stage()}-${fn}`);
      if (fn === 'writeBatch') {
        expect(text).toContain(`arn:aws:s3:::${bucket}/_dlq/*`);
        expect(names).toContain('kafka-access');
      }
      if (fn === 'loadObject') expect(text).toContain(`arn:aws:s3:::${bucket}/transactions/*`);
    }
  });

  test('three Kafka mappings feed the writer, each giving up to the failed-batches bucket', async () => {
    const ids = await physicalIds(stage());
    const lambda = new LambdaClient(clientConfig());
    const r = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: `banking-cdc-${stage()}-writeBatch` }));
    const esms = r.EventSourceMappings ?? [];
    expect(esms).toHaveLength(3);
    for (const m of esms) {
      expect(m.BatchSize).toBe(10000);
      expect(m.StartingPosition).toBe('TRIM_HORIZON');
      expect(m.DestinationConfig?.OnFailure?.Destination).toBe(`arn:aws:s3:::${ids.FailedBatchesBucket}`);
    }
    // What ministack's CloudFormation drops, on the template that was deployed.
    const packaged = Object.values(deployed[variant]!.template.Resources).filter(
      (x) => x.Type === 'AWS::Lambda::EventSourceMapping' && x.Properties.Topics !== undefined, // not the loader's queue
    );
    expect(packaged.flatMap((x) => x.Properties.Topics as string[]).sort()).toEqual(
      TABLES.map((t) => `banking_server.public.${t}`).sort(),
    );
    const groups = packaged.map(
      (x) =>
        (
          (x.Properties.AmazonManagedKafkaEventSourceConfig ?? x.Properties.SelfManagedKafkaEventSourceConfig) as {
            ConsumerGroupId: string;
          }
        ).ConsumerGroupId,
    );
    // Stage-scoped: two stages on one cluster never share a consumer group.
    expect(groups.sort()).toEqual(TABLES.map((t) => `banking-cdc-${stage()}-${t}`).sort());
    for (const x of packaged) {
      expect(x.Properties).toMatchObject({ MaximumRetryAttempts: 10, BisectBatchOnFunctionError: true });
      if (variant === 'selfManaged')
        expect(x.Properties.SelfManagedEventSource).toEqual({
          Endpoints: { KafkaBootstrapServers: [`127.0.0.1:${closedPort}`] },
        });
    }
  });

  test('the S3 -> loader path', async () => {
    await assertS3ToLoaderPath(stage(), await physicalIds(stage()));
  });

  test('the generator and sweep schedules exist, deployed disabled', async () => {
    const events = new EventBridgeClient(clientConfig());
    const expected = { generate: 'rate(1 minute)', loadObject: 'rate(10 minutes)' };
    for (const [fn, rate] of Object.entries(expected)) {
      const arn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:banking-cdc-${stage()}-${fn}`;
      const names = (await events.send(new ListRuleNamesByTargetCommand({ TargetArn: arn }))).RuleNames ?? [];
      expect(names).toHaveLength(1);
      const rule = await events.send(new DescribeRuleCommand({ Name: names[0] }));
      expect(rule).toMatchObject({ ScheduleExpression: rate, State: 'DISABLED' });
    }
  });

  test('the alarms and the dashboard, named per stage', async () => {
    const cw = new CloudWatchClient(clientConfig());
    const prefix = `banking-cdc-${stage()}-`;
    const alarms = (await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix }))).MetricAlarms ?? [];
    expect(alarms.map((a) => a.AlarmName!.slice(prefix.length)).sort()).toEqual([...ALARM_SUFFIXES]);
    const dash = await cw.send(new GetDashboardCommand({ DashboardName: `${prefix}pipeline` }));
    const widgets = (JSON.parse(dash.DashboardBody!) as { widgets: unknown[] }).widgets;
    expect(widgets.length).toBeGreaterThanOrEqual(4);
  });
});

test('sls remove leaves nothing of either stage', async () => {
  const cfn = new CloudFormationClient(clientConfig());
  const lambda = new LambdaClient(clientConfig());
  await Promise.all(
    (Object.keys(variants) as Variant[]).map(async (v) => {
      await sls(variants[v].stage, ['remove']);
      delete deployed[v];
    }),
  );
  for (const v of Object.keys(variants) as Variant[]) {
    const { stage } = variants[v];
    const gone = await cfn.send(new DescribeStacksCommand({ StackName: `banking-cdc-${stage}` })).then(
      (r) => r.Stacks?.every((s) => s.StackStatus === 'DELETE_COMPLETE') ?? true,
      () => true,
    );
    expect(gone).toBe(true);
    for (const fn of FUNCTIONS)
      await expect(lambda.send(new GetFunctionCommand({ FunctionName: `banking-cdc-${stage}-${fn}` }))).rejects.toThrow();
  }
}, 300_000);
