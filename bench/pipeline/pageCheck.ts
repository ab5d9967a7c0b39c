/**
 * Does the pipeline page slow the pipeline? (issue 14) The ramp's step at one rate is run again
 * with the page's collector running and /api/status fetched every 1.5 s, as the page in a browser
 * does; both steps' latency and achieved rate are recorded side by side, in the same run.
 */
import { startDashboard } from '../../infra/local/dashboard';
import { makeContext } from '../../infra/local/stack/context';
import { step, type StepOptions, type StepResult } from './step';
import type { Rig } from './measure';
import type { Status } from '../../infra/local/dashboard';

export interface PageCheckResult {
  targetChangesPerSec: number;
  without: Pick<StepResult, 'achievedChangesPerSec' | 'latencyMs' | 'sustained' | 'verdict'>;
  withPage: Pick<StepResult, 'achievedChangesPerSec' | 'latencyMs' | 'sustained' | 'verdict'>;
  /** /api/status answers during the step, and the slowest of them. */
  polls: number;
  slowestPollMs: number;
  /** Per source of the page, the longest read seen in the polls (and for the warehouse, the longest hold of the file). */
  sources: Record<string, { maxTookMs: number; maxHeldMs?: number; reads: number }>;
}

const pick = (s: StepResult) => ({
  achievedChangesPerSec: s.achievedChangesPerSec,
  latencyMs: s.latencyMs,
  sustained: s.sustained,
  verdict: s.verdict,
});

/** The page's own refresh interval (infra/local/dashboard/static/app.js). */
const POLL_MS = 1500;

export async function pageCheck(
  rig: Rig,
  without: StepResult,
  o: Omit<StepOptions, 'target'> & { params: Record<string, string> },
): Promise<PageCheckResult> {
  const page = await startDashboard({
    cfg: rig.cfg,
    ctx: makeContext({ cfg: rig.cfg, quiet: true }),
    port: 0,
    warehousePath: rig.warehousePath,
    params: o.params,
  });
  rig.log(`the pipeline page collecting at ${page.url}, polled every ${POLL_MS} ms`);
  let polls = 0;
  let slowest = 0;
  const sources: PageCheckResult['sources'] = {};
  const seen = new Map<string, number>();
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const t = Date.now();
      const res = await fetch(`${page.url}/api/status`).catch(() => undefined);
      if (res?.ok) {
        const status = (await res.json()) as Status;
        for (const src of status.sources) {
          const agg = (sources[src.name] ??= { maxTookMs: 0, reads: 0 });
          if (src.asOf !== undefined && seen.get(src.name) !== src.asOf) {
            seen.set(src.name, src.asOf);
            agg.reads++;
          }
          agg.maxTookMs = Math.max(agg.maxTookMs, src.tookMs ?? 0);
          if (src.heldMs !== undefined) agg.maxHeldMs = Math.max(agg.maxHeldMs ?? 0, src.heldMs);
        }
        polls++;
        slowest = Math.max(slowest, Date.now() - t);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  })();
  try {
    const withPage = await step(rig, { ...o, target: without.targetChangesPerSec });
    return {
      targetChangesPerSec: without.targetChangesPerSec,
      without: pick(without),
      withPage: pick(withPage),
      polls,
      slowestPollMs: slowest,
      sources,
    };
  } finally {
    polling = false;
    await poller;
    await page.stop();
  }
}
