/**
 * The overload step: a load held at a rate above what the pipeline sustains for a while, then
 * the time until everything committed in it is in RAW (the pipeline must drain, not stall). The
 * load is deposits committed by Postgres itself (depositLoad.ts): the generator, sharing the 2
 * cores with a saturated pipeline, cannot reach twice the sustained rate.
 */
import { connectFromConfig } from '../../functions/generator';
import { runDepositLoad } from './depositLoad';
import { marker, waitDrained, windowLatency, type Rig } from './measure';
import type { StepResult } from './step';

export interface OverloadResult {
  targetChangesPerSec: number;
  achievedChangesPerSec: number;
  /** What committed the changes. */
  load: string;
  seconds: number;
  generatedChanges: number;
  /** From the overload's end until everything committed in it was in RAW; -1 if it never drained. */
  drainMs: number;
  drainedWithin120s: boolean;
  latencyMs: StepResult['latencyMs'];
}

export async function overload(rig: Rig, target: number, seconds: number): Promise<OverloadResult> {
  rig.log(`overload: ${target} changes/s for ${seconds}s (deposits committed by Postgres)`);
  const db = await connectFromConfig(rig.cfg)();
  const t0 = Date.now();
  let s;
  try {
    s = await runDepositLoad(db, { changesPerSec: target, signal: AbortSignal.timeout(seconds * 1000), seed: 900 });
  } finally {
    await db.end().catch(() => undefined);
  }
  const t1 = Date.now();
  const markerAt = await marker(rig, 901);
  const drainedAt = await waitDrained(rig, markerAt, 300_000, 500);
  const generated = s.changes;
  const m = await windowLatency(rig, t0, t1, generated);
  const drainMs = drainedAt === null ? -1 : drainedAt - t1;
  const achieved = Math.round(generated / ((t1 - t0) / 1000));
  rig.log(`  ${achieved} changes/s achieved (${s.commits} commits); drained ${(drainMs / 1000).toFixed(1)}s after`);
  return {
    targetChangesPerSec: target,
    achievedChangesPerSec: achieved,
    load: `${s.deposits} deposits (insert + balance update) in ${s.commits} commits, bench/pipeline/depositLoad.ts`,
    seconds: Math.round((t1 - t0) / 100) / 10,
    generatedChanges: generated,
    drainMs,
    drainedWithin120s: drainMs >= 0 && drainMs <= 120_000,
    latencyMs: m.all,
  };
}
