'use strict';
/**
 * The framework adds `DependsOn` entries that a `Fn::GetAtt` or `Ref` in the same resource already
 * implies (a function on its role, a custom resource on its function). cfn-lint flags each one
 * (W3005); this drops exactly those entries, so the packaged template lints clean with no rule
 * turned off. CloudFormation's order is unchanged: the reference still orders the two resources.
 */
const { templatePlugin } = require('./templatePlugin');

function referenced(value, out = new Set()) {
  if (Array.isArray(value)) value.forEach((v) => referenced(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref' && typeof v === 'string') out.add(v);
      else if (k === 'Fn::GetAtt') out.add(Array.isArray(v) ? v[0] : String(v).split('.')[0]);
      else referenced(v, out);
    }
  }
  return out;
}

function apply(serverless) {
  const resources = serverless.service.provider.compiledCloudFormationTemplate.Resources;
  for (const r of Object.values(resources)) {
    if (!r.DependsOn) continue;
    const refs = referenced(r.Properties);
    const kept = [].concat(r.DependsOn).filter((d) => !refs.has(d));
    if (kept.length) r.DependsOn = kept;
    else delete r.DependsOn;
  }
}

module.exports = templatePlugin('before:package:finalize', apply);
