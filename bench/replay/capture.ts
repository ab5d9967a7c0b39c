/**
 * Debezium's capture rate, the pipeline's ceiling: pause the connector, commit a burst, resume,
 * and time the topics' end offsets from the first new record to the last.
 */
import type { Admin } from 'kafkajs';
import type { Settings } from '../../infra/local/stack/settings';
import { TABLE_NAMES, topicFor } from '../../functions/shared/tables';
import { sleep } from '../../infra/local/stack/proc';
import { pauseConnector, resumeConnector } from '../../infra/local/stack/debezium/control';
import { changesOf, commitBurst } from '../../infra/local/cli/util/burst';

export interface CaptureResult {
  changes: number;
  seconds: number;
  recordsPerSec: number;
}

const topics = (cfg: Settings) => TABLE_NAMES.map((t) => topicFor(t, cfg.KAFKA_TOPIC_PREFIX));

/** Sum of end offsets over every partition of the CDC topics. */
export async function endOffsets(admin: Admin, cfg: Settings): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const t of topics(cfg)) {
    for (const p of await admin.fetchTopicOffsets(t)) out.set(`${t}-${p.partition}`, Number(p.high));
  }
  return out;
}
export const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/** (a) Pause, commit a burst, resume; time the end offsets from first growth until they stop growing. */
export async function measureCapture(
  cfg: Settings,
  admin: Admin,
  changes: number,
  log: (m: string) => void,
): Promise<CaptureResult & { from: Map<string, number>; to: Map<string, number> }> {
  await pauseConnector(cfg);
  // Let what was in flight land before the baseline.
  await sleep(3000);
  const from = await endOffsets(admin, cfg);
  const before = total(from);
  log(`connector paused; committing a burst of >= ${changes} changes...`);
  let committed: number;
  try {
    committed = changesOf(await commitBurst(cfg, changes, 4242));
    log(`${committed} changes committed; resuming the connector`);
  } finally {
    // Never leave the connector paused: the pipeline bench runs right after this.
    await resumeConnector(cfg);
  }
  let first = 0;
  let last = 0;
  let lastTotal = before;
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    const now = total(await endOffsets(admin, cfg));
    const t = Date.now();
    if (now > lastTotal) {
      if (first === 0) first = t;
      last = t;
      lastTotal = now;
    }
    // The burst plus tombstones of its deletes; stop once everything is in and it went quiet.
    if (lastTotal - before >= committed && t - last > 3000) break;
    if (first !== 0 && t - last > 20_000) break;
    await sleep(100);
  }
  const captured = lastTotal - before;
  const seconds = Math.max(0.001, (last - first) / 1000);
  const to = await endOffsets(admin, cfg);
  return { changes: captured, seconds: Math.round(seconds * 100) / 100, recordsPerSec: Math.round(captured / seconds), from, to };
}
