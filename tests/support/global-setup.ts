/** Integration and e2e tests run against the real local stack: bring it up (idempotent) first. */
import { stackUp } from '../../infra/stack/stack';

export default async function globalSetup(): Promise<void> {
  if (process.env.SKIP_STACK_UP === '1') return;
  await stackUp({ quiet: true });
}
