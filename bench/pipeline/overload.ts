/**
 * The overload step: the generator held at a rate above what the pipeline sustains for a while,
 * then the time until everything committed in it is in RAW (the pipeline must drain, not stall).
 */
import { connectFromConfig, parseGeneratorOptions, runGenerator } from '../../functions/generator';
import { changesOf, marker, silent, steerRate, waitDrained, windowLatency, type Rig } from './measure';
import type { StepResult } from './step';

export interface OverloadResult {
  targetChangesPerSec: number;
  achievedChangesPerSec: number;
  seconds: number;
  generatedChanges: number;
  /** From the overload's end until everything committed in it was in RAW; -1 if it never drained. */
  drainMs: number;
  drainedWithin120s: boolean;
  latencyMs: StepResult['latencyMs'];
}

export async function overload(
  rig: Rig,
  target: number,
  seconds: number,
  intervalMs: number,
  perCustomer: number,
): Promise<OverloadResult> {
  const customers = Math.max(1, Math.round((target * intervalMs) / 1000 / perCustomer));
  rig.log(`overload: ${target} changes/s for ${seconds}s`);
  const t0 = Date.now();
  const options = parseGeneratorOptions({
    intervalMs,
    seed: 900,
    scale: { customers, accounts: 2 * customers, transactions: 5 * customers },
  });
  const s = await runGenerator({
    options,
    connect: connectFromConfig(rig.cfg),
    logger: silent,
    signal: AbortSignal.timeout(seconds * 1000),
    onIteration: steerRate(options, target, t0),
  });
  const t1 = Date.now();
  const markerAt = await marker(rig, 901);
  const drainedAt = await waitDrained(rig, markerAt, 300_000, 500);
  const generated = changesOf(s);
  const m = await windowLatency(rig, t0, t1, generated);
  const drainMs = drainedAt === null ? -1 : drainedAt - t1;
  rig.log(`  ${Math.round(generated / ((t1 - t0) / 1000))} changes/s achieved; drained ${(drainMs / 1000).toFixed(1)}s after`);
  return {
    targetChangesPerSec: target,
    achievedChangesPerSec: Math.round(generated / ((t1 - t0) / 1000)),
    seconds: Math.round((t1 - t0) / 100) / 10,
    generatedChanges: generated,
    drainMs,
    drainedWithin120s: drainMs >= 0 && drainMs <= 120_000,
    latencyMs: m.all,
  };
}
