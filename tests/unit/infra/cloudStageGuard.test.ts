/**
 * A cloud stage refuses the local stack's configuration when it is packaged or deployed, naming
 * the parameter or variable to set (infra/aws/cloud-stage-guard.js), instead of deploying
 * functions that fail at run time. Also: the Kafka mappings' settings without provisioned mode.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

// Plain CommonJS plugins, as osls loads them.
const guard = require('../../../infra/aws/cloud-stage-guard.js') as {
  isCloudTarget(t: { stage: string; command?: string; awsEndpointUrl?: string }): boolean;
  localOnlyProblems(c: Record<string, unknown>): string[];
};
const mappings = require('../../../infra/aws/kafka-mappings.js') as {
  mappingSettings(s: Record<string, unknown>): Record<string, unknown>;
};

const root = join(__dirname, '../../..');
const cloud = {
  warehouse: 'snowflake',
  snowflakeAccount: 'xy12345.eu-west-1',
  minioEndpoint: 'aws',
  postgresHost: 'banking.abc.eu-west-1.rds.amazonaws.com',
  generateScheduled: true,
  kafkaSource: 'selfManaged',
  kafkaBootstrap: ['b-1.kafka.example.com:9096'],
  kafkaSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:kafka-AbCdEf',
  mskClusterArn: '',
};

describe('which commands count as a cloud deployment', () => {
  test.each([
    [{ stage: 'prod', command: 'package' }, true],
    [{ stage: 'prod', command: 'deploy' }, true],
    [{ stage: 'dev', command: 'deploy' }, true],
    [{ stage: 'dev', command: 'package' }, false], // the local stage, e.g. CI's `npx sls package`
    [{ stage: 'dev', command: 'offline' }, false],
    [{ stage: 'prod', command: 'deploy', awsEndpointUrl: 'http://127.0.0.1:4566' }, false], // an emulator here
    [{ stage: 'prod', command: 'deploy', awsEndpointUrl: 'https://lambda.eu-west-1.amazonaws.com' }, true],
  ])('%j: %s', (target, expected) => {
    expect(guard.isCloudTarget(target)).toBe(expected);
  });
});

describe('local-only settings on a cloud stage', () => {
  test('a cloud configuration passes', () => {
    expect(guard.localOnlyProblems(cloud)).toEqual([]);
    expect(
      guard.localOnlyProblems({
        ...cloud,
        kafkaSource: 'msk',
        mskClusterArn: 'arn:aws:kafka:eu-west-1:111122223333:cluster/c/x',
      }),
    ).toEqual([]);
  });

  test.each([
    ['warehouse', { warehouse: 'duckdb' }, /warehouse=duckdb.*--param=warehouse=snowflake/],
    ['SNOWFLAKE_ACCOUNT', { snowflakeAccount: '' }, /SNOWFLAKE_ACCOUNT is empty/],
    ['MINIO_ENDPOINT', { minioEndpoint: '' }, /MINIO_ENDPOINT is empty.*MINIO_ENDPOINT=aws/],
    ['MINIO_ENDPOINT', { minioEndpoint: 'http://127.0.0.1:9000' }, /MINIO_ENDPOINT=http:\/\/127.0.0.1:9000 is this machine/],
    ['POSTGRES_HOST', { postgresHost: '' }, /POSTGRES_HOST=.*local stack.*generateSchedule=false/],
    ['POSTGRES_HOST', { postgresHost: 'localhost' }, /POSTGRES_HOST=localhost/],
    ['kafkaBootstrap', { kafkaBootstrap: ['127.0.0.1:9092'] }, /kafkaBootstrap=127.0.0.1:9092 is this machine/],
    [
      'kafkaSecretArn',
      { kafkaSecretArn: 'arn:aws:secretsmanager:eu-west-1:000000000000:secret:x' },
      /kafkaSecretArn is the placeholder/,
    ],
    ['mskClusterArn', { kafkaSource: 'msk', mskClusterArn: 'arn:aws:kafka:eu-west-1:000000000000:cluster/x/y' }, /mskClusterArn/],
  ])('%s', (_name, patch, message) => {
    const problems = guard.localOnlyProblems({ ...cloud, ...patch });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  test('a local database is fine when the generator is not scheduled', () => {
    expect(guard.localOnlyProblems({ ...cloud, postgresHost: '', generateScheduled: false })).toEqual([]);
  });

  test('`sls package --stage prod` with the defaults stops before building, naming each setting', async () => {
    const err = await promisify(execFile)(join(root, 'node_modules/.bin/sls'), ['package', '--stage', 'prod'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SLS_TELEMETRY_DISABLED: '1',
        NODE_NO_WARNINGS: '1',
        SLS_ESBUILD_WORK_FOLDER: '.esbuild-guard-test',
      },
      timeout: 120_000,
    }).then(
      () => undefined,
      (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`,
    );
    expect(err).toBeDefined();
    for (const named of ['warehouse=duckdb', 'MINIO_ENDPOINT is empty', 'POSTGRES_HOST=', 'kafkaBootstrap=', 'kafkaSecretArn'])
      expect(err).toContain(named);
  }, 120_000);
});

describe('the Kafka mappings without provisioned mode', () => {
  test('only the on-failure destination: AWS offers retries, age and bisection to provisioned mode only', () => {
    const s = { onFailure: 'arn:x', provisioned: 'false', minimumPollers: 1, maximumPollers: 4, maximumRetryAttempts: 10 };
    expect(mappings.mappingSettings(s)).toEqual({ DestinationConfig: { OnFailure: { Destination: 'arn:x' } } });
  });
});
