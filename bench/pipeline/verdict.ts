/**
 * Whether a ramp step was sustained, from its recorded figures, and which rule failed if not.
 *
 * Sustained means low, steady latency, not merely "caught up in the end": a step whose p50 was
 * 18 s throughout is behind, however little that lag moved. So the bounds are fixed, never
 * relative to the lag itself (a tolerance of half the first third's p50 let a worse lag grow more).
 */
import type { Latency } from './measure';

/** Commit -> RAW p99 allowed in every third of a step (the throughput issue's figure). */
export const P99_BOUND_MS = 5000;
/**
 * How much the last third's p50 may exceed the first third's. Fixed: between the thirds' middles
 * lie two thirds of the step (20 s of a 30 s step), so 1.5 s there is a pipeline ~7% short of the
 * rate. Below it is the noise between thirds of steps that kept up: the generator commits once a
 * second, so a third's p50 moved by up to 0.7 s (inline 1k step, 2026-12-05: 0.79 -> 1.44 s).
 */
export const LAG_GROWTH_TOLERANCE_MS = 1500;
/** A step's load must reach this share of its target to say anything about that target. */
export const LOAD_SHARE = 0.9;

export type Rule = 'complete' | 'drained' | 'p99' | 'lag' | 'load';

export interface StepFigures {
  targetChangesPerSec: number;
  achievedChangesPerSec: number;
  /** Row changes committed in the window, and how many of them reached RAW. */
  generatedChanges: number;
  rawRows: number;
  /** From the window's end until the marker after it was in RAW; -1: it never was. */
  drainMs: number;
  maxDrainMs: number;
  /** Latency of the rows committed in each third of the window, in order. */
  thirds: [Latency, Latency, Latency];
}

export interface Verdict {
  sustained: boolean;
  /** The rules that failed, in the order above (empty when sustained). */
  failed: Rule[];
  /** 'sustained', or each failed rule with its figures, in words. */
  text: string;
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function stepVerdict(f: StepFigures): Verdict {
  const reasons: [Rule, string][] = [];
  if (f.rawRows < f.generatedChanges) reasons.push(['complete', `only ${f.rawRows}/${f.generatedChanges} rows reached RAW`]);
  if (f.drainMs < 0) reasons.push(['drained', 'did not drain']);
  else if (f.drainMs > f.maxDrainMs) reasons.push(['drained', `drain took ${s(f.drainMs)} (> ${s(f.maxDrainMs)})`]);
  const over = f.thirds.map((t, i) => [i, t.p99] as const).filter(([, p99]) => p99 > P99_BOUND_MS);
  if (over.length) {
    const names = ['first', 'middle', 'last'];
    reasons.push([
      'p99',
      `p99 over ${s(P99_BOUND_MS)} in the ${over.map(([i, p99]) => `${names[i]} third (${s(p99)})`).join(', ')}`,
    ]);
  }
  const growth = f.thirds[2].p50 - f.thirds[0].p50;
  if (growth > LAG_GROWTH_TOLERANCE_MS)
    reasons.push([
      'lag',
      `lag grew ${s(growth)} (> ${s(LAG_GROWTH_TOLERANCE_MS)}): p50 ${s(f.thirds[0].p50)} -> ${s(f.thirds[2].p50)}`,
    ]);
  if (f.achievedChangesPerSec < LOAD_SHARE * f.targetChangesPerSec)
    reasons.push(['load', `the load reached only ${f.achievedChangesPerSec} changes/s`]);
  return {
    sustained: reasons.length === 0,
    failed: reasons.map(([r]) => r),
    text: reasons.length === 0 ? 'sustained' : reasons.map(([, t]) => t).join('; '),
  };
}

export interface LatencyWindow {
  /** Start of the window, ms after the first change. */
  fromMs: number;
  rows: number;
  p99: number;
}

/**
 * Time to steady latency: the first moment (ms after the first change) after which every
 * window's p99 is within P99_BOUND_MS, i.e. the start of the first window of the unbroken run
 * of good windows that reaches the end; null when the last window is over the bound. Windows
 * with no rows committed count as good (nothing waited).
 */
export function timeToSteady(windows: LatencyWindow[], boundMs = P99_BOUND_MS): number | null {
  const sorted = [...windows].sort((a, b) => a.fromMs - b.fromMs);
  let steadyFrom: number | null = sorted.length ? 0 : null;
  for (const [i, w] of sorted.entries()) {
    if (w.rows > 0 && w.p99 > boundMs) steadyFrom = i + 1 < sorted.length ? sorted[i + 1]!.fromMs : null;
  }
  return steadyFrom;
}
