'use strict';
/**
 * A cloud deployment refuses the local stack's configuration at package time, naming what to set,
 * instead of deploying functions that fail at run time: DuckDB as the warehouse (no durable disk
 * in Lambda), an empty or loopback endpoint (empty means "the local default"), a missing Snowflake
 * account, the placeholder ARNs.
 *
 * Cloud: every stage but `dev` (the local one: `sls offline`, `sls invoke local`, `npm start`),
 * and `sls deploy` whatever the stage, unless AWS_ENDPOINT_URL points at an emulator on this
 * machine (the deploy test, tests/deploy).
 */
const LOCAL_STAGES = new Set(['dev']);
const PLACEHOLDER_ACCOUNT = ':000000000000:';

function isLoopbackHost(host) {
  const h = String(host)
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || h === '0.0.0.0' || /^127\./.test(h);
}

function hostOf(endpoint) {
  const v = String(endpoint).trim();
  try {
    return new URL(v.includes('://') ? v : `tcp://${v}`).hostname;
  } catch {
    return v.split(':')[0];
  }
}

/** Whether this command targets a cloud account with a cloud stage (see above). */
function isCloudTarget({ stage, command, awsEndpointUrl }) {
  if (awsEndpointUrl && isLoopbackHost(hostOf(awsEndpointUrl))) return false;
  return !LOCAL_STAGES.has(stage) || command === 'deploy';
}

/**
 * The local-only settings in a resolved configuration, each naming the parameter or variable to set.
 * `c`: warehouse, minioEndpoint, snowflakeAccount, postgresHost, generateScheduled, kafkaSource,
 * kafkaBootstrap (list), kafkaSecretArn, mskClusterArn.
 */
function localOnlyProblems(c) {
  const out = [];
  if (c.warehouse !== 'snowflake') {
    out.push(`warehouse=${c.warehouse}: DuckDB has no durable disk in Lambda; pass --param=warehouse=snowflake`);
  } else if (!c.snowflakeAccount) {
    out.push('SNOWFLAKE_ACCOUNT is empty: set it (and the other SNOWFLAKE_* variables) in the deploy environment');
  }
  const minio = String(c.minioEndpoint || '').trim();
  if (minio === '') out.push('MINIO_ENDPOINT is empty, which means the local MinIO: set MINIO_ENDPOINT=aws for S3');
  else if (minio !== 'aws' && isLoopbackHost(hostOf(minio)))
    out.push(`MINIO_ENDPOINT=${minio} is this machine: set MINIO_ENDPOINT=aws for S3`);
  if (c.generateScheduled) {
    const pg = String(c.postgresHost || '').trim();
    if (pg === '' || isLoopbackHost(pg) || pg === 'postgres')
      out.push(
        `POSTGRES_HOST=${pg || '(empty: 127.0.0.1)'} is the local stack: set POSTGRES_HOST to the source database, or --param=generateSchedule=false`,
      );
  }
  if (c.kafkaSource === 'msk') {
    if (String(c.mskClusterArn).includes(PLACEHOLDER_ACCOUNT))
      out.push('mskClusterArn is the placeholder: pass --param=mskClusterArn=<the cluster ARN>');
  } else {
    const local = (c.kafkaBootstrap || []).filter((b) => isLoopbackHost(hostOf(b)));
    if (!(c.kafkaBootstrap || []).length || local.length)
      out.push(`kafkaBootstrap=${(c.kafkaBootstrap || []).join(',')} is this machine: pass --param=kafkaBootstrap=<brokers>`);
    if (String(c.kafkaSecretArn).includes(PLACEHOLDER_ACCOUNT))
      out.push('kafkaSecretArn is the placeholder: pass --param=kafkaSecretArn=<the secret ARN>');
  }
  return out;
}

/** The values localOnlyProblems reads, from the resolved service. */
function resolvedSettings(service) {
  const env = service.provider.environment || {};
  const generate = service.functions.generate || {};
  const writer = service.functions.writeBatch || {};
  const kafka = (writer.events || []).map((e) => e.kafka || e.msk).filter(Boolean);
  const first = kafka[0] || {};
  const secret = ((first.accessConfigurations || {}).saslScram512Auth || [])[0];
  return {
    warehouse: env.WAREHOUSE,
    minioEndpoint: env.MINIO_ENDPOINT,
    snowflakeAccount: env.SNOWFLAKE_ACCOUNT,
    postgresHost: (generate.environment || {}).POSTGRES_HOST,
    generateScheduled: (generate.events || []).some((e) => e.schedule && e.schedule.enabled !== false),
    kafkaSource: kafka.some((e) => e.arn) ? 'msk' : 'selfManaged',
    kafkaBootstrap: first.bootstrapServers || [],
    kafkaSecretArn: secret || '',
    mskClusterArn: first.arn || '',
  };
}

class CloudStageGuardPlugin {
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options || {};
    this.hooks = { 'before:package:initialize': () => this.check() };
  }

  check() {
    const commands = (this.serverless.processedInput && this.serverless.processedInput.commands) || [];
    const target = {
      stage: this.serverless.service.provider.stage,
      command: commands[0],
      awsEndpointUrl: process.env.AWS_ENDPOINT_URL,
    };
    if (!isCloudTarget(target)) return;
    const problems = localOnlyProblems(resolvedSettings(this.serverless.service));
    if (problems.length === 0) return;
    throw new Error(
      `stage ${target.stage} is a cloud stage, and its configuration is the local stack's:\n  - ${problems.join('\n  - ')}\n(docs/deploy.md, Parameters)`,
    );
  }
}

module.exports = CloudStageGuardPlugin;
Object.assign(module.exports, { isCloudTarget, localOnlyProblems, resolvedSettings });
