/**
 * Integration and e2e tests run against the real local stack: check the prerequisites (as
 * `npm start` does), then bring the stack up (idempotent). A missing tool ends the run with the
 * doctor's lines and exit code 1, not a stack trace.
 */
import { makeContext } from '../../infra/local/stack/context';
import { doctorGate, doctorScope } from '../../infra/local/stack/doctor';
import { stackUp } from '../../infra/local/stack/stack';
import { PipelineError } from '../../functions/shared/errors';

export default async function globalSetup(): Promise<void> {
  if (process.env.SKIP_STACK_UP === '1') return;
  const ctx = makeContext({ quiet: true });
  try {
    if (!(await doctorGate(ctx, doctorScope('test', ctx), { quiet: true }))) process.exit(1);
    await stackUp({ quiet: true, ctx });
  } catch (err) {
    if (!(err instanceof PipelineError)) throw err;
    console.error(`\n[test setup] ${err.message}`);
    process.exit(1);
  }
}
