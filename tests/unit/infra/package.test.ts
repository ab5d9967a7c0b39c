/**
 * `sls package` for AWS, with no AWS credentials, for each Kafka source and warehouse, checked on
 * the CloudFormation template and the artifacts it writes to a temp dir (`--package <dir>`):
 * the schedule rules, the three event source mappings (a consumer group each, an on-failure
 * destination), the S3 notification on the existing bucket, one role per function granting only
 * what that function and its event sources need, no secret anywhere in what was packaged (canary
 * values in the environment), per-function artifacts that carry only the drivers they use, and
 * cfn-lint (its own pinned venv) clean on each template.
 * No services, but slow-ish (serverless-esbuild bundles and installs per variant), each variant in a
 * serverless-esbuild work folder of its own so a developer's `sls package` in this checkout is no obstacle.
 */
import { ALARM_SUFFIXES } from '../../fixtures/alarms';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import JSZip from 'jszip';
import { makeContext } from '../../../infra/local/stack/context';
import { ensureVenv, venvBin } from '../../../infra/local/stack/python';

const run = promisify(execFile);
const root = join(__dirname, '../../..');
const TOPICS = ['banking_server.public.customers', 'banking_server.public.accounts', 'banking_server.public.transactions'];
const MSK_ARN = 'arn:aws:kafka:eu-west-1:111122223333:cluster/prod-cdc/abcd1234-0000-1111-2222-333344445555-3';
const BUCKET_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555';
const SECRETS_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/66666666-7777-8888-9999-000000000000';
const ALARM_TOPIC = 'arn:aws:sns:eu-west-1:111122223333:banking-cdc-alarms';
const KAFKA_SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/kafka-scram-EXAMPLE';
// Secrets in the deploy shell's environment: none may reach anything that was packaged.
const CANARIES = {
  POSTGRES_PASSWORD: `CANARY-pg-${randomBytes(4).toString('hex')}`,
  MINIO_SECRET_KEY: `CANARY-s3-${randomBytes(4).toString('hex')}`,
  MINIO_ACCESS_KEY: `CANARY-s3key-${randomBytes(4).toString('hex')}`,
  SNOWFLAKE_PASSWORD: `CANARY-sf-${randomBytes(4).toString('hex')}`,
};
const FUNCTIONS = ['generate', 'writeBatch', 'loadObject'] as const;
const ROLES = { generate: 'GenerateRole', writeBatch: 'WriteBatchRole', loadObject: 'LoadObjectRole' } as const;
const ENI_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DeleteNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSubnets',
  'ec2:DescribeVpcs',
];

type Json = Record<string, unknown>;
interface Packaged {
  dir: string;
  /** serverless-esbuild's zip staging folders the package left in its own TMPDIR (they leaked, ~140 MB each package). */
  tmpLeftovers: string[];
  lint: { code: number; output: string };
  checkov: { code: number; output: string };
  template: {
    Resources: Record<string, { Type: string; Condition?: string; Properties: Json }>;
    Conditions?: Record<string, unknown>;
  };
  raw: string;
}
interface Statement {
  Effect: string;
  Action: string[];
  Resource: unknown[];
}

let base: string;
const variants: Record<string, string[]> = {
  selfManaged: [],
  // With customer managed KMS keys and an SNS topic for the alarms.
  mskSnowflake: [
    `--param=kafkaSource=msk`,
    `--param=mskClusterArn=${MSK_ARN}`,
    '--param=warehouse=snowflake',
    `--param=dataBucketKmsKeyArn=${BUCKET_KEY}`,
    `--param=secretsKmsKeyArn=${SECRETS_KEY}`,
    `--param=alarmTopicArn=${ALARM_TOPIC}`,
  ],
  selfManagedVpc: ['--param=kafkaSource=selfManagedVpc'],
};
// A dead-letter prefix with surrounding slashes: the writer's IAM resource must still be `_dlq/*`.
const variantEnv: Record<string, Record<string, string>> = { selfManagedVpc: { DLQ_PREFIX: '/_dlq/' } };
const packaged: Record<string, Packaged> = {};

/** Packages one variant; resolves, once packaged, to the linting still under way (it may overlap the next package). */
async function slsPackage(name: string, args: string[]): Promise<{ checked: Promise<Packaged> }> {
  const dir = join(base, name);
  const tmp = join(base, `${name}-tmp`);
  await mkdir(tmp);
  const workFolder = `.esbuild-test-${name}-${randomBytes(4).toString('hex')}`;
  try {
    await run(
      join(root, 'node_modules/.bin/sls'),
      ['package', '--region', 'eu-west-1', '--param', `kafkaSecretArn=${KAFKA_SECRET}`, ...args, '--package', dir],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          // No AWS credentials at all; secrets in the environment must not reach the package.
          ...CANARIES,
          ...variantEnv[name],
          SLS_ESBUILD_WORK_FOLDER: workFolder,
          TMPDIR: tmp,
          SLS_TELEMETRY_DISABLED: '1',
          SLS_NOTIFICATIONS_MODE: 'off',
          NODE_NO_WARNINGS: '1',
        },
        timeout: 280_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  } finally {
    await rm(join(root, workFolder), { recursive: true, force: true });
  }
  const templateFile = join(dir, 'cloudformation-template-update-stack.json');
  const raw = readFileSync(templateFile, 'utf8');
  // Wrapped: an async function returning a promise would wait for it.
  // Folders shaped as serverless-esbuild's zip staging (`<name>-<pid>-<ms>-<hex>`); tsx's cache (tsx-0) stays by design.
  const tmpLeftovers = readdirSync(tmp).filter((n) => /^.+-\d+-\d{13}-[0-9a-f]{8}$/.test(n));
  return { checked: checkTemplate(dir, raw, templateFile).then((c) => ({ ...c, tmpLeftovers })) };
}

async function checkTemplate(dir: string, raw: string, templateFile: string): Promise<Omit<Packaged, 'tmpLeftovers'>> {
  const lint = await run(venvBin(await cfnLintVenv, 'cfn-lint'), [templateFile]).then(
    (r) => ({ code: 0, output: r.stdout + r.stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: err.code ?? 1,
      output: `${err.stdout ?? ''}${err.stderr ?? ''}`,
    }),
  );
  const checkov = await run(
    venvBin(await checkovVenv, 'checkov'),
    ['--config-file', join(root, 'infra/aws/checkov.yaml'), '-f', templateFile],
    { maxBuffer: 16 * 1024 * 1024 },
  ).then(
    (r) => ({ code: 0, output: r.stdout }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: err.code ?? 1,
      output: `${err.stdout ?? ''}${err.stderr ?? ''}`,
    }),
  );
  return { dir, raw, lint, checkov, template: JSON.parse(raw) as Packaged['template'] };
}

let cfnLintVenv: Promise<string>;
let checkovVenv: Promise<string>;
/** name -> version of every package in package-lock.json, by its node_modules path. */
const locked = (
  JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> }
).packages;

/** Enough of CloudFormation's intrinsic functions to compare ARNs as strings. */
function evaluate(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(evaluate);
  if (v && typeof v === 'object') {
    const o = v as Json;
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      const values = evaluate(parts) as unknown[];
      // A reference to a resource of the stack stays as it is.
      return values.every((v) => typeof v === 'string') ? values.join(sep) : o;
    }
    if ('Fn::Split' in o) {
      const [sep, s] = o['Fn::Split'] as [string, unknown];
      return (evaluate(s) as string).split(sep);
    }
    if ('Fn::Select' in o) {
      const [i, list] = o['Fn::Select'] as [number, unknown];
      return (evaluate(list) as unknown[])[i];
    }
    if ('Fn::Equals' in o) {
      const [a, b] = o['Fn::Equals'] as [unknown, unknown];
      return evaluate(a) === evaluate(b);
    }
  }
  return v;
}

const ofType = (p: Packaged, type: string) => Object.entries(p.template.Resources).filter(([, r]) => r.Type === type);

/** The logical id of the role a function runs as (each names its own with `role:`). */
function roleOf(p: Packaged, fn: string): string {
  const id = `${fn[0]!.toUpperCase()}${fn.slice(1)}LambdaFunction`;
  const role = p.template.Resources[id]!.Properties.Role as { 'Fn::GetAtt': [string, string] };
  return role['Fn::GetAtt'][0];
}

/** Every statement a role's inline policies grant. */
function roleStatements(p: Packaged, roleId: string): Statement[] {
  const role = p.template.Resources[roleId]!;
  expect(role.Type).toBe('AWS::IAM::Role');
  const docs = (role.Properties.Policies as Array<{ PolicyDocument: { Statement: unknown[] } }>).map((x) => x.PolicyDocument);
  return docs
    .flatMap((d) => d.Statement as Array<{ Effect: string; Action: string | string[]; Resource: unknown }>)
    .map((s) => ({
      Effect: s.Effect,
      Action: ([] as string[]).concat(s.Action),
      Resource: ([] as unknown[]).concat(evaluate(s.Resource)),
    }));
}

/** Every text file packaged, and every file inside each zip, as [name, content]. */
async function packagedTexts(dir: string): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for (const f of readdirSync(dir)) {
    const file = join(dir, f);
    if (!f.endsWith('.zip')) {
      out.push([f, readFileSync(file, 'utf8')]);
      continue;
    }
    const zip = await JSZip.loadAsync(readFileSync(file));
    for (const [name, entry] of Object.entries(zip.files))
      if (!entry.dir) out.push([`${f}:${name}`, await entry.async('string')]);
  }
  return out;
}

/** The resources granted for an action, de-duplicated. */
function grants(statements: Statement[], action: string): unknown[] {
  const out = statements.filter((s) => s.Effect === 'Allow' && s.Action.includes(action)).flatMap((s) => s.Resource);
  return [...new Map(out.map((r) => [JSON.stringify(r), r])).values()];
}

async function zipEntries(file: string): Promise<string[]> {
  return Object.keys((await JSZip.loadAsync(readFileSync(file))).files);
}

beforeAll(async () => {
  cfnLintVenv = ensureVenv(makeContext({ quiet: true }), 'cfnlint');
  checkovVenv = ensureVenv(makeContext({ quiet: true }), 'checkov');
  base = await mkdtemp(join(tmpdir(), 'sls-package-'));
  // One after the other: packages run side by side in one checkout were seen to lose a variant's zips.
  const checked: Record<string, Promise<Packaged>> = {};
  for (const [name, args] of Object.entries(variants)) checked[name] = (await slsPackage(name, args)).checked;
  for (const [name, p] of Object.entries(checked)) packaged[name] = await p;
}, 420_000);

afterAll(async () => {
  if (base) await rm(base, { recursive: true, force: true });
});

describe.each(Object.keys(variants))('sls package (%s)', (name) => {
  const p = () => packaged[name]!;

  test('leaves nothing in the temp folder (serverless-esbuild stages each zip there: ~140 MB a package)', () => {
    expect(p().tmpLeftovers).toEqual([]);
  });

  test('cfn-lint finds nothing in the template', () => {
    expect(p().lint).toEqual({ code: 0, output: '' });
  });

  test('checkov passes every check it runs (each one skipped says why in infra/aws/checkov.yaml)', () => {
    expect(p().checkov.output).toMatch(/Passed checks: [1-9]\d*, Failed checks: 0/);
    expect(p().checkov.code).toBe(0);
  });

  test('alarms, named per stage, notify the alarm topic when one is given', () => {
    const alarms = ofType(p(), 'AWS::CloudWatch::Alarm').map(([, r]) => r.Properties as Json);
    expect(alarms.map((a) => a.AlarmName).sort()).toEqual(ALARM_SUFFIXES.map((n) => `banking-cdc-dev-${n}`));
    const actions = name === 'mskSnowflake' ? [ALARM_TOPIC] : [];
    for (const a of alarms) expect([a.AlarmActions, a.OKActions]).toEqual([actions, actions]);
    const byName = (n: string) => alarms.find((a) => a.AlarmName === `banking-cdc-dev-${n}`)!;
    expect(byName('kafka-offset-lag')).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'OffsetLag', Threshold: 100000 });
    expect(byName('dead-letters')).toMatchObject({
      Namespace: 'BankingCdc',
      MetricName: 'DeadLetters',
      Dimensions: [{ Name: 'service', Value: 'banking-cdc-dev' }],
    });
    expect(byName('loader-dead-letter-queue')).toMatchObject({
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['LoaderObjectsDeadLetterQueue', 'QueueName'] } }],
    });
  });

  test('the zips carry exactly the versions package-lock.json pins', async () => {
    let checked = 0;
    const drift: string[] = [];
    for (const f of readdirSync(p().dir).filter((f) => f.endsWith('.zip'))) {
      const zip = await JSZip.loadAsync(readFileSync(join(p().dir, f)));
      for (const [entry, file] of Object.entries(zip.files)) {
        // A package's own package.json (node_modules/[@scope/]name, nested or not), not one inside its files.
        const m = /^((?:node_modules\/(?:@[^/]+\/)?[^/@]+\/)*node_modules\/(?:@[^/]+\/)?[^/@]+)\/package\.json$/.exec(entry);
        if (!m) continue;
        const pkg = JSON.parse(await file.async('string')) as { name?: string; version?: string };
        if (!pkg.name || !pkg.version) continue; // a nested package.json that only sets "type"
        checked++;
        if (locked[m[1]!]?.version !== pkg.version) drift.push(`${f}: ${m[1]}@${pkg.version}, lock ${locked[m[1]!]?.version}`);
      }
    }
    expect(drift).toEqual([]);
    expect(checked).toBeGreaterThan(3); // the loader's warehouse driver and its dependencies
  }, 60_000);

  test('EventBridge rules run generate every minute and the loader sweep every 10 minutes', () => {
    const rules = ofType(p(), 'AWS::Events::Rule').map(([, r]) => r.Properties as Json);
    expect(rules).toHaveLength(2);
    expect(rules).toContainEqual(
      expect.objectContaining({
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
        Targets: [expect.objectContaining({ Arn: { 'Fn::GetAtt': ['GenerateLambdaFunction', 'Arn'] } })],
      }),
    );
    expect(rules).toContainEqual(
      expect.objectContaining({
        ScheduleExpression: 'rate(10 minutes)',
        State: 'ENABLED',
        Targets: [
          expect.objectContaining({ Arn: { 'Fn::GetAtt': ['LoadObjectLambdaFunction', 'Arn'] }, Input: '{"sweep":true}' }),
        ],
      }),
    );
  });

  test('the bucket notifies the loader queue; loadObject reads it in large batches with partial batch responses', () => {
    const r = p().template.Resources;
    // No async S3 invocations any more: nothing for an on-failure destination to catch.
    expect(ofType(p(), 'AWS::Lambda::EventInvokeConfig')).toEqual([]);
    const queue = r.LoaderObjectsQueue!.Properties as Json;
    expect(queue).toMatchObject({
      QueueName: 'banking-cdc-dev-loader-objects',
      // At least six times the function's timeout, as AWS advises.
      VisibilityTimeout: 1800,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['LoaderObjectsDeadLetterQueue', 'Arn'] }, maxReceiveCount: 5 },
    });
    const fn = p().template.Resources.LoadObjectLambdaFunction!.Properties as Json;
    expect((queue.VisibilityTimeout as number) >= 6 * (fn.Timeout as number)).toBe(true);
    expect((fn as { ReservedConcurrentExecutions?: number }).ReservedConcurrentExecutions).toBeUndefined();
    expect(r.LoaderObjectsDeadLetterQueue!.Properties).toMatchObject({ QueueName: 'banking-cdc-dev-loader-objects-dlq' });
    const policy = r.LoaderObjectsQueuePolicy!.Properties as { PolicyDocument: { Statement: Json[] } };
    expect(policy.PolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 's3.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Condition: expect.objectContaining({ ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::banking-data' } }),
      }),
    ]);
    const notification = ofType(p(), 'Custom::BucketQueueNotification');
    expect(notification).toHaveLength(1);
    expect(notification[0]![1].Properties).toMatchObject({
      BucketName: 'banking-data',
      QueueArn: { 'Fn::GetAtt': ['LoaderObjectsQueue', 'Arn'] },
      Events: ['s3:ObjectCreated:*'],
      Suffix: '.parquet',
    });
    const sqs = ofType(p(), 'AWS::Lambda::EventSourceMapping')
      .map(([, m]) => m.Properties as Json)
      .filter((m) => JSON.stringify(m.EventSourceArn ?? null).includes('LoaderObjectsQueue'));
    expect(sqs).toEqual([
      expect.objectContaining({
        FunctionName: { 'Fn::GetAtt': ['LoadObjectLambdaFunction', 'Arn'] },
        BatchSize: 1000,
        MaximumBatchingWindowInSeconds: 5,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 2 },
      }),
    ]);
    expect(sqs[0]!.BatchSize as number).toBeGreaterThanOrEqual(100);
  });

  test('three event source mappings feed writeBatch, one per CDC topic', () => {
    const esms = ofType(p(), 'AWS::Lambda::EventSourceMapping')
      .map(([, r]) => r.Properties as Json)
      .filter((e) => e.Topics !== undefined);
    expect(esms).toHaveLength(3);
    expect(esms.flatMap((e) => e.Topics as string[]).sort()).toEqual([...TOPICS].sort());
    // AWS requires each Kafka event source's consumer group to be unique: one per topic.
    const groups = esms.map(
      (e) =>
        ((e.AmazonManagedKafkaEventSourceConfig ?? e.SelfManagedKafkaEventSourceConfig) as { ConsumerGroupId: string })
          .ConsumerGroupId,
    );
    expect(new Set(groups).size).toBe(3);
    for (const e of esms) {
      const table = (e.Topics as string[])[0]!.split('.').pop();
      const group = { ConsumerGroupId: `banking_consumer_group-${table}` };
      expect(e.FunctionName).toEqual({ 'Fn::GetAtt': ['WriteBatchLambdaFunction', 'Arn'] });
      expect(e.StartingPosition).toBe('TRIM_HORIZON');
      expect(e.BatchSize).toBe(10000);
      // Whole seconds only in CloudFormation; left out, Lambda waits its Kafka default of 500 ms.
      expect(e.MaximumBatchingWindowInSeconds).toBeUndefined();
      // A batch Lambda gives up on is kept, records included, in the stack's failed-batches bucket.
      expect(e.DestinationConfig).toEqual({ OnFailure: { Destination: { 'Fn::GetAtt': ['FailedBatchesBucket', 'Arn'] } } });
      // Provisioned mode, and with it a deliberate end: bounded retries, bisection, no age limit.
      expect(e).toMatchObject({
        ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 4 },
        MaximumRetryAttempts: 10,
        MaximumRecordAgeInSeconds: -1,
        BisectBatchOnFunctionError: true,
      });
      if (name === 'mskSnowflake') {
        expect(e.EventSourceArn).toBe(MSK_ARN);
        expect(e.SelfManagedEventSource).toBeUndefined();
        expect(e.AmazonManagedKafkaEventSourceConfig).toEqual(group);
      } else {
        expect(e.EventSourceArn).toBeUndefined();
        expect(e.SelfManagedEventSource).toEqual({ Endpoints: { KafkaBootstrapServers: ['127.0.0.1:9092'] } });
        expect(e.SelfManagedKafkaEventSourceConfig).toEqual(group);
        const access = e.SourceAccessConfigurations as Array<{ Type: string; URI: string }>;
        expect(access).toContainEqual({ Type: 'SASL_SCRAM_512_AUTH', URI: KAFKA_SECRET });
        const vpc = access.filter((a) => a.Type.startsWith('VPC_')).map((a) => a.Type);
        expect(vpc.sort()).toEqual(name === 'selfManagedVpc' ? ['VPC_SECURITY_GROUP', 'VPC_SUBNET'] : []);
      }
    }
  });

  test('the data bucket is not created by the stack', () => {
    expect(ofType(p(), 'Custom::S3')).toEqual([]);
    expect(ofType(p(), 'AWS::S3::Bucket').map(([id]) => id)).toEqual(['ServerlessDeploymentBucket', 'FailedBatchesBucket']);
  });

  test('one role per function, and no other', () => {
    const roles = FUNCTIONS.map((fn) => roleOf(p(), fn));
    expect(roles).toEqual(FUNCTIONS.map((fn) => ROLES[fn]));
    // The framework's shared role is gone; the only other role is the bucket-notification custom resource's.
    expect(
      ofType(p(), 'AWS::IAM::Role')
        .map(([id]) => id)
        .sort(),
    ).toEqual([...roles, 'LoaderBucketNotificationRole'].sort());
    expect(ofType(p(), 'AWS::IAM::Policy')).toEqual([]);
  });

  test.each(FUNCTIONS)('the %s role is least privilege', (fn) => {
    const st = roleStatements(p(), ROLES[fn]);
    const actions = [...new Set(st.flatMap((s) => s.Action))].sort();
    expect(st.every((s) => s.Effect === 'Allow')).toBe(true);
    // No wildcard actions, ever.
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    // "*" resources only for the writer's ENI actions (they take no resource-level scoping), and
    // only when Lambda's pollers must enter a VPC.
    const starActions = [...new Set(st.filter((s) => s.Resource.includes('*')).flatMap((s) => s.Action))].sort();
    expect(starActions).toEqual(fn === 'writeBatch' && name !== 'selfManaged' ? ENI_ACTIONS : []);

    // Its own log group only.
    const logs = grants(st, 'logs:PutLogEvents');
    expect(JSON.stringify(logs)).toBe(
      JSON.stringify([
        {
          'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/banking-cdc-dev-${fn}:*`,
        },
      ]),
    );
    const secret = (id: string) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:banking-cdc/dev/${id}-??????`,
    });
    const bucket = 'arn:aws:s3:::banking-data';
    const tablePrefixes = ['customers', 'accounts', 'transactions'].map((t) => `${bucket}/${t}/*`);
    const failedBatches = { 'Fn::GetAtt': ['FailedBatchesBucket', 'Arn'] };
    const logActions = ['logs:CreateLogStream', 'logs:PutLogEvents'];
    // Customer managed keys (mskSnowflake only): each role gets what it does with them, nothing more.
    const kms = name === 'mskSnowflake';
    const kmsGrants = { 'kms:Decrypt': [] as string[], 'kms:GenerateDataKey': [] as string[] };
    if (kms) {
      kmsGrants['kms:Decrypt'] = fn === 'generate' ? [SECRETS_KEY] : [BUCKET_KEY, SECRETS_KEY];
      if (fn === 'writeBatch') kmsGrants['kms:GenerateDataKey'] = [BUCKET_KEY];
    }
    for (const [a, keys] of Object.entries(kmsGrants)) expect(grants(st, a).sort()).toEqual(keys.sort());
    const kmsActions = [...new Set(Object.entries(kmsGrants).flatMap(([a, keys]) => (keys.length ? [a] : [])))];

    if (fn === 'generate') {
      expect(actions).toEqual([...logActions, ...kmsActions, 'secretsmanager:GetSecretValue'].sort());
      expect(grants(st, 'secretsmanager:GetSecretValue')).toEqual([secret('postgres')]);
      return;
    }
    if (fn === 'loadObject') {
      expect(actions).toEqual(
        [
          ...logActions,
          ...kmsActions,
          's3:GetObject',
          's3:ListBucket',
          'secretsmanager:GetSecretValue',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:ReceiveMessage',
        ].sort(),
      );
      expect(grants(st, 's3:GetObject')).toEqual(tablePrefixes);
      expect(grants(st, 's3:ListBucket')).toEqual([bucket]);
      expect(grants(st, 'secretsmanager:GetSecretValue')).toEqual([secret('snowflake')]);
      expect(grants(st, 'sqs:ReceiveMessage')).toEqual([{ 'Fn::GetAtt': ['LoaderObjectsQueue', 'Arn'] }]);
      return;
    }

    // writeBatch: Parquet under the table prefixes, dead letters, the failed-batches bucket.
    expect(grants(st, 's3:PutObject')).toEqual([
      ...tablePrefixes,
      `${bucket}/_dlq/*`,
      { 'Fn::Join': ['', [failedBatches, '/*']] },
    ]);
    expect(grants(st, 's3:ListBucket')).toEqual([failedBatches]);
    expect(grants(st, 's3:GetObject')).toEqual([]);
    expect(grants(st, 'secretsmanager:GetSecretValue')).toEqual(name === 'mskSnowflake' ? [] : [KAFKA_SECRET]);
    const kafka = actions.filter((a) => a.startsWith('kafka'));
    const vpc = name === 'selfManaged' ? [] : ENI_ACTIONS;
    expect(actions).toEqual(
      [
        ...logActions,
        ...kmsActions,
        's3:ListBucket',
        's3:PutObject',
        ...vpc,
        ...kafka,
        ...(name === 'mskSnowflake' ? [] : ['secretsmanager:GetSecretValue']),
      ].sort(),
    );
    if (name !== 'mskSnowflake') {
      expect(kafka).toEqual([]);
      return;
    }
    for (const a of [
      'kafka:DescribeCluster',
      'kafka:DescribeClusterV2',
      'kafka:GetBootstrapBrokers',
      'kafka-cluster:Connect',
      'kafka-cluster:DescribeClusterDynamicConfiguration',
    ]) {
      expect(grants(st, a)).toEqual([MSK_ARN]);
    }
    const mskArn = (kind: string, name: string) =>
      `arn:aws:kafka:eu-west-1:111122223333:${kind}/prod-cdc/abcd1234-0000-1111-2222-333344445555-3/${name}`;
    for (const a of ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'])
      expect(grants(st, a)).toEqual(TOPICS.map((t) => mskArn('topic', t)));
    const groups = ['customers', 'accounts', 'transactions'].map((t) => mskArn('group', `banking_consumer_group-${t}`));
    for (const a of ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup']) expect(grants(st, a)).toEqual(groups);
  });

  test('no secret anywhere in the package: template, state, artifacts or function environments', async () => {
    const texts = await packagedTexts(p().dir);
    expect(texts.length).toBeGreaterThan(10);
    const leaks = texts.flatMap(([file, text]) =>
      Object.entries(CANARIES).flatMap(([k, v]) => (text.includes(v) ? [`${k} in ${file}`] : [])),
    );
    expect(leaks).toEqual([]);
    const fns = ofType(p(), 'AWS::Lambda::Function').filter(
      ([id]) => !id.startsWith('CustomDash') && id !== 'LoaderBucketNotificationFunction',
    );
    expect(fns).toHaveLength(3);
    for (const [, fn] of fns) {
      const env = (fn.Properties.Environment as { Variables: Record<string, string> }).Variables;
      for (const k of Object.keys(CANARIES)) expect(env).not.toHaveProperty(k);
      expect(env.SNOWFLAKE_SECRET_ID).toBe('banking-cdc/dev/snowflake');
      expect(env.WAREHOUSE).toBe(name === 'mskSnowflake' ? 'snowflake' : 'duckdb');
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
    }
    const generate = p().template.Resources.GenerateLambdaFunction!.Properties.Environment as { Variables: Json };
    expect(generate.Variables.POSTGRES_SECRET_ID).toBe('banking-cdc/dev/postgres');
  }, 60_000); // reads every file of three zips

  test('each function has its own artifact with only the warehouse driver it loads', async () => {
    const zips = readdirSync(p().dir).filter((f) => f.endsWith('.zip') && f !== 'custom-resources.zip');
    expect(zips.sort()).toEqual(['generate.zip', 'loadObject.zip', 'writeBatch.zip']);
    const has = (entries: string[], mod: string) => entries.some((e) => e.startsWith(`node_modules/${mod}/`));
    for (const fn of ['generate', 'writeBatch']) {
      const entries = await zipEntries(join(p().dir, `${fn}.zip`));
      expect(entries).toContain(`handlers/${fn}.js`);
      expect(has(entries, '@duckdb/node-api') || has(entries, 'snowflake-sdk')).toBe(false);
    }
    const loader = await zipEntries(join(p().dir, 'loadObject.zip'));
    expect(loader).toContain('handlers/loadObject.js');
    const snowflake = name === 'mskSnowflake';
    expect(has(loader, 'snowflake-sdk')).toBe(snowflake);
    expect(has(loader, '@duckdb/node-api')).toBe(!snowflake);
    expect(loader.some((e) => e.includes('libduckdb'))).toBe(!snowflake);
  });
});
