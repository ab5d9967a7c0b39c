/**
 * How far Debezium is behind during a step of deposits: commit -> RAW latency includes the time a
 * change waits to be captured (Connect shares the 2 cores and its JIT warms with use: capture
 * measured 5.2k records/s on a cold Connect, 12.3k warm), so without this a slow step cannot be
 * told apart from a slow pipeline. The topics' end offsets are sampled beside the load's commit
 * log; each deposit change is one record (no deletes, so no tombstones).
 */
import type { Admin } from 'kafkajs';
import type { Settings } from '../../infra/local/stack/settings';
import { endOffsets, total } from '../replay/capture';

export interface CommitMark {
  at: number;
  /** Changes committed by then since the load began. */
  changes: number;
}
export interface CaptureSample {
  at: number;
  /** Records appended to the CDC topics since the load began. */
  captured: number;
}

/**
 * Capture lag at each sample: how long the oldest change committed and not yet captured has been
 * waiting (0 when everything committed is captured). Commits are in order; a commit's changes are
 * all taken at its commit time.
 */
export function captureLags(commits: CommitMark[], samples: CaptureSample[]): { at: number; lagMs: number }[] {
  return samples.map((s) => {
    const waiting = commits.find((c) => c.changes > s.captured && c.at <= s.at);
    return { at: s.at, lagMs: waiting ? s.at - waiting.at : 0 };
  });
}

/** Samples the CDC topics' end offsets every `everyMs` until stopped; resolves once the baseline is taken. */
export async function sampleCapture(admin: Admin, cfg: Settings, everyMs = 500) {
  const base = total(await endOffsets(admin, cfg));
  const samples: CaptureSample[] = [{ at: Date.now(), captured: 0 }];
  let running = true;
  const loop = (async () => {
    while (running) {
      await new Promise((r) => setTimeout(r, everyMs));
      const t = Date.now();
      samples.push({ at: t, captured: total(await endOffsets(admin, cfg)) - base });
    }
  })();
  return {
    stop: async (): Promise<CaptureSample[]> => {
      running = false;
      await loop;
      return samples;
    },
  };
}

export interface CaptureLag {
  /** Longest wait to be captured seen, from the load's start until the step drained. */
  maxMs: number;
  /** The same, by third of the step's window (samples taken in it). */
  byThirdMs: [number, number, number];
}

export function summariseCaptureLag(lags: { at: number; lagMs: number }[], t0: number, t1: number): CaptureLag {
  const third = (t1 - t0) / 3;
  const maxIn = (from: number, to: number) => Math.max(0, ...lags.filter((l) => l.at >= from && l.at < to).map((l) => l.lagMs));
  return {
    maxMs: Math.max(0, ...lags.map((l) => l.lagMs)),
    byThirdMs: [maxIn(t0, t0 + third), maxIn(t0 + third, t1 - third), maxIn(t1 - third, t1 + 1)],
  };
}
