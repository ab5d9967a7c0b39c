'use strict';
/**
 * KMS permissions for customer managed keys, added to the roles only when a key is given
 * (`custom.kmsGrants`): `keys` names each key's ARN (empty: the resource uses an AWS managed key,
 * which needs no grant), `roles` says, per role, which actions it needs on which key. Without them a
 * PUT to a bucket encrypted with such a key, or a read of such a secret, is refused, and the
 * writer would retry the batch forever. A plugin because a YAML list cannot gain an item on a
 * condition, and a CloudFormation condition on two constants is what cfn-lint flags.
 */
const { templatePlugin } = require('./templatePlugin');

function kmsStatements(grants) {
  const keys = (grants && grants.keys) || {};
  const out = {};
  for (const [role, uses] of Object.entries((grants && grants.roles) || {})) {
    const statements = [];
    for (const [keyName, actions] of Object.entries(uses)) {
      const arn = String(keys[keyName] || '').trim();
      if (arn === '') continue;
      if (!/^arn:aws[\w-]*:kms:[\w-]+:\d{12}:(key|alias)\/.+/.test(arn)) {
        throw new Error(
          `custom.kmsGrants: the ${keyName} key "${arn}" is not a KMS key ARN (--param=${keyName}KmsKeyArn=arn:aws:kms:...)`,
        );
      }
      statements.push({ Effect: 'Allow', Action: actions, Resource: arn });
    }
    if (statements.length) out[role] = statements;
  }
  return out;
}

function apply(serverless) {
  const service = serverless.service;
  // The roles are this service's own resources (infra/aws/roles.yml), merged into the compiled
  // template only at package:finalize.
  const resources = (service.resources && service.resources.Resources) || {};
  for (const [role, statements] of Object.entries(kmsStatements(service.custom && service.custom.kmsGrants))) {
    const r = resources[role];
    if (!r || r.Type !== 'AWS::IAM::Role') throw new Error(`custom.kmsGrants: no role ${role} in the template`);
    r.Properties.Policies.push({ PolicyName: 'kms', PolicyDocument: { Version: '2012-10-17', Statement: statements } });
  }
}

module.exports = templatePlugin('before:package:finalize', apply);
module.exports.kmsStatements = kmsStatements;
