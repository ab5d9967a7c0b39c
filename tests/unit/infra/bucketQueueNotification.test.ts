/**
 * The custom resource that points the existing data bucket at the loader's queue
 * (infra/aws/bucket-queue-notification/index.js, inlined into the template), run with a fake S3
 * client and a fake CloudFormation response: it keeps the bucket's other configurations.
 */

const resource = require('../../../infra/aws/bucket-queue-notification/index.js') as {
  handler: (event: unknown, context: unknown, deps: unknown) => Promise<void>;
};

const { source } = require('../../../infra/aws/bucket-queue-notification/source.js') as { source: () => string };

const props = {
  BucketName: 'banking-data',
  Id: 'banking-cdc-dev-loader-objects',
  QueueArn: 'arn:aws:sqs:us-east-1:1:banking-cdc-dev-loader-objects',
  Events: ['s3:ObjectCreated:*'],
  Suffix: '.parquet',
};
const other = { Id: 'someone-else', LambdaFunctionArn: 'arn:aws:lambda:x', Events: ['s3:ObjectRemoved:*'] };

function fakeS3(initial: Record<string, unknown>) {
  const state = { config: initial, puts: [] as unknown[] };
  return {
    state,
    s3: {
      send: async (cmd: { constructor: { name: string }; input: { NotificationConfiguration?: Record<string, unknown> } }) => {
        if (cmd.constructor.name === 'GetBucketNotificationConfigurationCommand') return { ...state.config, $metadata: {} };
        state.config = cmd.input.NotificationConfiguration!;
        state.puts.push(cmd.input);
        return {};
      },
    },
  };
}

async function run(type: string, s3: unknown, extra: Record<string, unknown> = {}) {
  const answers: unknown[] = [];
  await resource.handler(
    { RequestType: type, ResourceProperties: props, ...extra },
    {},
    { s3, respond: async (...a: unknown[]) => answers.push(a) },
  );
  return answers as Array<[unknown, string, string, string]>;
}

test('create adds the queue configuration, keeps the others, and answers SUCCESS', async () => {
  const { s3, state } = fakeS3({ LambdaFunctionConfigurations: [other] });
  const answers = await run('Create', s3);
  expect(answers[0]![1]).toBe('SUCCESS');
  expect(state.config).toEqual({
    LambdaFunctionConfigurations: [other],
    QueueConfigurations: [
      {
        Id: props.Id,
        QueueArn: props.QueueArn,
        Events: props.Events,
        Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.parquet' }] } },
      },
    ],
  });
  // Again (an update): still one configuration of ours.
  await run('Update', s3, { OldResourceProperties: props });
  expect((state.config.QueueConfigurations as unknown[]).length).toBe(1);
});

test('delete removes only ours; a failure answers FAILED with the reason', async () => {
  const { s3, state } = fakeS3({ LambdaFunctionConfigurations: [other] });
  await run('Create', s3);
  await run('Delete', s3);
  expect(state.config).toEqual({ LambdaFunctionConfigurations: [other], QueueConfigurations: [] });
  const broken = {
    send: async () =>
      Promise.reject(
        Object.assign(new Error('Unable to validate the following destination configurations'), { name: 'InvalidArgument' }),
      ),
  };
  const answers = await run('Create', broken);
  expect(answers[0]![1]).toBe('FAILED');
  expect(answers[0]![2]).toContain('Unable to validate');
});

test('the code fits CloudFormation ZipFile', () => {
  expect(source().length).toBeLessThanOrEqual(4096);
});
