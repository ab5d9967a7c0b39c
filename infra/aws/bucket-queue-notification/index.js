'use strict';
// CloudFormation custom resource (Custom::BucketQueueNotification): points an existing bucket's
// ObjectCreated notifications at an SQS queue. The bucket is not in the stack, so neither
// AWS::S3::Bucket's NotificationConfiguration nor the framework's `s3` event (Lambda targets only)
// can do it. It keeps every other configuration of the bucket and replaces only its own (by Id).
// Inlined into the template (ZipFile: no package); @aws-sdk/client-s3 is the Lambda runtime's own.
const https = require('https');
const {
  S3Client,
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
} = require('@aws-sdk/client-s3');

function ours(p) {
  const rules = [];
  if (p.Prefix) rules.push({ Name: 'prefix', Value: p.Prefix });
  if (p.Suffix) rules.push({ Name: 'suffix', Value: p.Suffix });
  return {
    Id: p.Id,
    QueueArn: p.QueueArn,
    Events: p.Events,
    ...(rules.length ? { Filter: { Key: { FilterRules: rules } } } : {}),
  };
}

function merge(current, p, remove) {
  const out = {};
  for (const k of ['TopicConfigurations', 'QueueConfigurations', 'LambdaFunctionConfigurations', 'EventBridgeConfiguration'])
    if (current[k]) out[k] = current[k];
  const queues = (out.QueueConfigurations || []).filter((c) => c.Id !== p.Id);
  out.QueueConfigurations = remove ? queues : [...queues, ours(p)];
  return out;
}

async function apply(s3, p, remove) {
  const current = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: p.BucketName }));
  const NotificationConfiguration = merge(current, p, remove);
  await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: p.BucketName, NotificationConfiguration }));
}

function respond(event, Status, Reason, PhysicalResourceId) {
  const body = JSON.stringify({
    Status,
    Reason,
    PhysicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  return new Promise((resolve, reject) => {
    const req = https.request(
      event.ResponseURL,
      { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', resolve);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

exports.handler = async (event, _context, deps = {}) => {
  const s3 = deps.s3 || new S3Client({});
  const send = deps.respond || respond;
  const p = event.ResourceProperties;
  const id = `${p.BucketName}/${p.Id}`;
  try {
    if (event.RequestType === 'Delete') {
      await apply(s3, p, true).catch((err) => {
        if (err.name !== 'NoSuchBucket') throw err; // a bucket gone has no notification left to remove
      });
    } else {
      const old = event.OldResourceProperties;
      if (event.RequestType === 'Update' && old && (old.BucketName !== p.BucketName || old.Id !== p.Id))
        await apply(s3, old, true);
      await apply(s3, p, false);
    }
    await send(event, 'SUCCESS', 'ok', id);
  } catch (err) {
    console.error('bucket notification failed', err);
    await send(event, 'FAILED', String(err.message || err).slice(0, 500), id);
  }
};
exports.merge = merge;
