/**
 * The writer's object rate at the pipeline's highest sustained rate, as the pipeline bench measured
 * it: each step counts the objects the real writer stored in the run's own bucket during the step
 * (bench/pipeline/step.ts `writerObjects`). The cloud loader bench is fed at this rate.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PipelineBenchResult } from './pipeline/types';

export interface MeasuredWriterRate {
  objectsPerS: number;
  /** Where it was measured: the result file, its run, and the step. */
  source: string;
  measuredAt: string;
  inlineSchemas: boolean;
  targetChangesPerSec: number;
  achievedChangesPerSec: number;
  objects: number;
  windowSeconds: number;
}

/** Of every pipeline result in `dir`, the sustained step with the highest achieved rate that counted objects. */
export function measuredWriterRate(dir: string): MeasuredWriterRate {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /^pipeline.*\.json$/.test(f)) : [];
  let best: MeasuredWriterRate | undefined;
  for (const file of files) {
    const r = JSON.parse(readFileSync(join(dir, file), 'utf8')) as PipelineBenchResult;
    for (const s of r.steps ?? []) {
      if (!s.sustained || !s.writerObjects) continue;
      if (best && s.achievedChangesPerSec <= best.achievedChangesPerSec) continue;
      best = {
        objectsPerS: s.writerObjects.perSec,
        source: `bench/results/${file}, step ${s.targetChangesPerSec}`,
        measuredAt: r.measuredAt,
        inlineSchemas: r.inlineSchemas,
        targetChangesPerSec: s.targetChangesPerSec,
        achievedChangesPerSec: s.achievedChangesPerSec,
        objects: s.writerObjects.objects,
        windowSeconds: s.windowSeconds,
      };
    }
  }
  if (!best)
    throw new Error(
      `no sustained pipeline step with a writer object count in ${dir}: run the pipeline bench first (npm run bench -- --only pipeline)`,
    );
  return best;
}
