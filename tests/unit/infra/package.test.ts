/**
 * `sls package` for AWS, with no AWS credentials, for each Kafka source and warehouse, checked on
 * the CloudFormation template and the artifacts it writes to a temp dir (`--package <dir>`):
 * the schedule rule, the three event source mappings, the S3 notification on the existing bucket,
 * an execution role that grants only what the functions and event sources need, no Snowflake
 * password anywhere, and per-function artifacts that carry only the drivers they use.
 * No services, but slow-ish (serverless-esbuild bundles and installs per variant), each variant in a
 * serverless-esbuild work folder of its own so a developer's `sls package` in this checkout is no obstacle.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import JSZip from 'jszip';

const run = promisify(execFile);
const root = join(__dirname, '../../..');
const TOPICS = ['banking_server.public.customers', 'banking_server.public.accounts', 'banking_server.public.transactions'];
const MSK_ARN = 'arn:aws:kafka:eu-west-1:111122223333:cluster/prod-cdc/abcd1234-0000-1111-2222-333344445555-3';
const KAFKA_SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/kafka-scram-EXAMPLE';
const LEAK_CANARY = `must-not-leak-${randomBytes(6).toString('hex')}`;
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
  mskSnowflake: [`--param=kafkaSource=msk`, `--param=mskClusterArn=${MSK_ARN}`, '--param=warehouse=snowflake'],
  selfManagedVpc: ['--param=kafkaSource=selfManagedVpc'],
};
const packaged: Record<string, Packaged> = {};

async function slsPackage(name: string, args: string[]): Promise<Packaged> {
  const dir = join(base, name);
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
          // No AWS credentials at all; a password in the environment must not reach the template.
          SNOWFLAKE_PASSWORD: LEAK_CANARY,
          SLS_ESBUILD_WORK_FOLDER: workFolder,
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
  const raw = readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8');
  return { dir, raw, template: JSON.parse(raw) as Packaged['template'] };
}

/** Enough of CloudFormation's intrinsic functions to compare ARNs as strings. */
function evaluate(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(evaluate);
  if (v && typeof v === 'object') {
    const o = v as Json;
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return (evaluate(parts) as string[]).join(sep);
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

/** Every statement the functions' role gets: its inline policies and IAM::Policy resources whose Condition holds. */
function roleStatements(p: Packaged): Statement[] {
  const role = p.template.Resources.IamRoleLambdaExecution!;
  const docs = (role.Properties.Policies as Array<{ PolicyDocument: { Statement: unknown[] } }>).map((x) => x.PolicyDocument);
  for (const [, r] of ofType(p, 'AWS::IAM::Policy')) {
    if (r.Condition && evaluate(p.template.Conditions?.[r.Condition]) !== true) continue;
    expect(r.Properties.Roles).toEqual([{ Ref: 'IamRoleLambdaExecution' }]);
    docs.push((r.Properties as { PolicyDocument: { Statement: unknown[] } }).PolicyDocument);
  }
  return docs
    .flatMap((d) => d.Statement as Array<{ Effect: string; Action: string | string[]; Resource: unknown }>)
    .map((s) => ({
      Effect: s.Effect,
      Action: ([] as string[]).concat(s.Action),
      Resource: ([] as unknown[]).concat(evaluate(s.Resource)),
    }));
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
  base = await mkdtemp(join(tmpdir(), 'sls-package-'));
  // One after the other: packages run side by side in one checkout were seen to lose a variant's zips.
  for (const [name, args] of Object.entries(variants)) packaged[name] = await slsPackage(name, args);
}, 420_000);

afterAll(async () => {
  if (base) await rm(base, { recursive: true, force: true });
});

describe.each(Object.keys(variants))('sls package (%s)', (name) => {
  const p = () => packaged[name]!;

  test('an EventBridge rule runs generate every minute', () => {
    const rules = ofType(p(), 'AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    const props = rules[0]![1].Properties as { ScheduleExpression: string; State: string; Targets: Array<{ Arn: unknown }> };
    expect(props.ScheduleExpression).toBe('rate(1 minute)');
    expect(props.State).toBe('ENABLED');
    expect(props.Targets[0]!.Arn).toEqual({ 'Fn::GetAtt': ['GenerateLambdaFunction', 'Arn'] });
  });

  test('three event source mappings feed writeBatch, one per CDC topic', () => {
    const esms = ofType(p(), 'AWS::Lambda::EventSourceMapping').map(([, r]) => r.Properties as Json);
    expect(esms).toHaveLength(3);
    expect(esms.flatMap((e) => e.Topics as string[]).sort()).toEqual([...TOPICS].sort());
    for (const e of esms) {
      expect(e.FunctionName).toEqual({ 'Fn::GetAtt': ['WriteBatchLambdaFunction', 'Arn'] });
      expect(e.StartingPosition).toBe('TRIM_HORIZON');
      expect(e.BatchSize).toBe(10000);
      // Whole seconds only in CloudFormation; left out, Lambda waits its Kafka default of 500 ms.
      expect(e.MaximumBatchingWindowInSeconds).toBeUndefined();
      if (name === 'mskSnowflake') {
        expect(e.EventSourceArn).toBe(MSK_ARN);
        expect(e.SelfManagedEventSource).toBeUndefined();
        expect(e.AmazonManagedKafkaEventSourceConfig).toEqual({ ConsumerGroupId: 'banking_consumer_group' });
      } else {
        expect(e.EventSourceArn).toBeUndefined();
        expect(e.SelfManagedEventSource).toEqual({ Endpoints: { KafkaBootstrapServers: ['127.0.0.1:9092'] } });
        expect(e.SelfManagedKafkaEventSourceConfig).toEqual({ ConsumerGroupId: 'banking_consumer_group' });
        const access = e.SourceAccessConfigurations as Array<{ Type: string; URI: string }>;
        expect(access).toContainEqual({ Type: 'SASL_SCRAM_512_AUTH', URI: KAFKA_SECRET });
        const vpc = access.filter((a) => a.Type.startsWith('VPC_')).map((a) => a.Type);
        expect(vpc.sort()).toEqual(name === 'selfManagedVpc' ? ['VPC_SECURITY_GROUP', 'VPC_SUBNET'] : []);
      }
    }
  });

  test('the existing bucket notifies loadObject of new .parquet objects', () => {
    const s3 = ofType(p(), 'Custom::S3');
    expect(s3).toHaveLength(1);
    expect(s3[0]![1].Properties).toMatchObject({
      FunctionName: 'banking-cdc-dev-loadObject',
      BucketName: 'banking-data',
      BucketConfigs: [{ Event: 's3:ObjectCreated:*', Rules: [{ Suffix: '.parquet' }] }],
    });
    expect(ofType(p(), 'AWS::S3::Bucket').map(([id]) => id)).toEqual(['ServerlessDeploymentBucket']); // the data bucket is not created
  });

  test('the execution role is least privilege', () => {
    const st = roleStatements(p());
    expect(st.every((s) => s.Effect === 'Allow')).toBe(true);
    // No wildcard actions, ever.
    expect(st.flatMap((s) => s.Action).filter((a) => a.includes('*'))).toEqual([]);
    // "*" resources only for the ENI actions (they take no resource-level scoping), and only when
    // Lambda's pollers must enter a VPC.
    const starActions = st.filter((s) => s.Resource.includes('*')).flatMap((s) => s.Action);
    expect([...new Set(starActions)].sort()).toEqual(name === 'selfManaged' ? [] : ENI_ACTIONS);

    expect(grants(st, 's3:PutObject')).toEqual(['arn:aws:s3:::banking-data/*']);
    expect(grants(st, 's3:GetObject')).toEqual(['arn:aws:s3:::banking-data/*']);
    expect(grants(st, 's3:ListBucket')).toEqual(['arn:aws:s3:::banking-data']);
    const s3Actions = st.flatMap((s) => s.Action).filter((a) => a.startsWith('s3:'));
    expect([...new Set(s3Actions)].sort()).toEqual(['s3:GetObject', 's3:ListBucket', 's3:PutObject']);

    const snowflakeSecret = {
      'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:banking-cdc/dev/snowflake-??????',
    };
    expect(grants(st, 'secretsmanager:GetSecretValue')).toEqual(
      name === 'mskSnowflake' ? [snowflakeSecret] : [snowflakeSecret, KAFKA_SECRET],
    );

    const logs = grants(st, 'logs:PutLogEvents');
    expect(logs).toHaveLength(1);
    expect(JSON.stringify(logs)).toContain('log-group:/aws/lambda/banking-cdc-dev');

    const kafka = st.flatMap((s) => s.Action).filter((a) => a.startsWith('kafka'));
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
    const topicArn = (t: string) =>
      `arn:aws:kafka:eu-west-1:111122223333:topic/prod-cdc/abcd1234-0000-1111-2222-333344445555-3/${t}`;
    for (const a of ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'])
      expect(grants(st, a)).toEqual(TOPICS.map(topicArn));
    const groupArn =
      'arn:aws:kafka:eu-west-1:111122223333:group/prod-cdc/abcd1234-0000-1111-2222-333344445555-3/banking_consumer_group';
    for (const a of ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup']) expect(grants(st, a)).toEqual([groupArn]);
  });

  test('no Snowflake password in the template or the functions configuration', () => {
    expect(p().raw).not.toContain(LEAK_CANARY);
    expect(readFileSync(join(p().dir, 'serverless-state.json'), 'utf8')).not.toContain(LEAK_CANARY);
    const fns = ofType(p(), 'AWS::Lambda::Function').filter(([id]) => !id.startsWith('CustomDash'));
    expect(fns).toHaveLength(3);
    for (const [, fn] of fns) {
      const env = (fn.Properties.Environment as { Variables: Record<string, string> }).Variables;
      expect(env).not.toHaveProperty('SNOWFLAKE_PASSWORD');
      expect(env.SNOWFLAKE_SECRET_ID).toBe('banking-cdc/dev/snowflake');
      expect(env.WAREHOUSE).toBe(name === 'mskSnowflake' ? 'snowflake' : 'duckdb');
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
    }
  });

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
