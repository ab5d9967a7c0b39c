/**
 * The dead-letter prefix, normalised in this one place: the writer's keys (`<prefix>/<topic>/...`)
 * and its IAM resource (`<bucket>/<prefix>/*`, serverless.yml through infra/aws/variables.js) both
 * use this, so `_dlq/` or `/_dlq` can no longer give the role `_dlq//*` while keys say `_dlq/`.
 */
export const DEFAULT_DLQ_PREFIX = '_dlq';

/** Surrounding slashes and whitespace dropped, repeated slashes collapsed; '' when nothing is left. */
export function normaliseDlqPrefix(raw: string): string {
  return raw
    .trim()
    .split('/')
    .filter((part) => part !== '')
    .join('/');
}
