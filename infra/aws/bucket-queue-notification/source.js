// `${file(./infra/aws/bucket-queue-notification/source.js):source}` in loader-queue.yml: the
// custom resource's code, inlined as the function's ZipFile (CloudFormation's limit: 4,096 characters).
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

module.exports.source = () => {
  const code = readFileSync(join(__dirname, 'index.js'), 'utf8');
  if (code.length > 4096) throw new Error(`bucket-queue-notification/index.js is ${code.length} characters; ZipFile takes 4,096`);
  return code;
};
