/** The pipeline bench's options and its result (bench/results/pipeline-*.json). */
import type { machineInfo } from '../machine';
import type { StepResult } from './step';
import type { OverloadResult } from './overload';
import type { PageCheckResult } from './pageCheck';
import type { CaptureResult } from '../replay/capture';
import { LAG_GROWTH_TOLERANCE_MS, P99_BOUND_MS } from './verdict';

export interface PipelineBenchOptions {
  /** Length of each ramp step. */
  stepSeconds?: number;
  rates?: number[];
  overloadSeconds?: number;
  /** Time between generator iteration starts: the rate is set by the scale per iteration. */
  intervalMs?: number;
  /** serverless params to override (default: serverless.yml's own). */
  params?: Record<string, string>;
  out?: string;
  log?: (m: string) => void;
  /** Run the pipeline page's collector beside the pipeline for the whole run. */
  withDashboard?: boolean;
  /**
   * After the ramp, run its step at this rate again with the pipeline page collecting and polled
   * as a browser does, to see that the page does not slow the pipeline (pipeline/pageCheck.ts).
   */
  pageCheckRate?: number;
  /** The highest step the generator offers (default pipeline/step.ts's GENERATOR_MAX); deposits above it. */
  generatorMax?: number;
  /** Keep the run's warehouse file (under .stack/bench/<run>/) for a look at where latency goes. */
  keep?: boolean;
  /**
   * Debezium's value format for this run (default: the configured DEBEZIUM_INLINE_SCHEMAS). The
   * connector is registered that way for the run and restored after: inline schemas are ~9x the
   * bytes of schema-less values, and on 2 cores those bytes are what caps the pipeline.
   */
  inlineSchemas?: boolean;
  /** Past the last listed rate, go on in 4k steps while each holds, up to the capture rate (default true). */
  extendRamp?: boolean;
  /** The cold step's rate (default: the highest sustained step's target); 0: no cold step. */
  coldRate?: number;
  /** Changes in the burst that times Debezium's capture (0: not measured). */
  captureChanges?: number;
}

export interface PipelineBenchResult {
  kind: 'pipeline';
  /** Debezium's value format during the run. */
  inlineSchemas: boolean;
  measuredAt: string;
  machine: ReturnType<typeof machineInfo>;
  loadavg: { start: number[]; end: number[] };
  method: string;
  params: Record<string, string>;
  calibration: { changesPerIterationPerCustomer: number };
  /** Debezium's capture rate in this run, before the pipeline started: the ceiling. */
  capture?: CaptureResult;
  steps: StepResult[];
  /**
   * sls offline restarted (nothing warm but the services), then straight into a step at `rate`;
   * its timeToSteadyMs is measured from the first change.
   */
  cold?: StepResult & {
    restartMs: number;
    /** The same step again right after, on the now warm pipeline: what was cold, in the same conditions. */
    warmAgain?: Pick<
      StepResult,
      'achievedChangesPerSec' | 'latencyMs' | 'middleThirdMs' | 'sustained' | 'verdict' | 'captureLagMs'
    >;
  };
  /** The ramp's step at pageCheckRate, again with the pipeline page polled. */
  pageCheck?: PageCheckResult;
  overload?: OverloadResult;
  headline: {
    maxSustainedChangesPerSec: number;
    firstUnsustained: number | null;
    at1000: { p50Ms: number; p99Ms: number } | null;
    atMaxSustained: { p50Ms: number; p99Ms: number } | null;
    /** Highest sustained rate / capture rate, measured in this run. */
    ratioToCapture: number | null;
    /** The cold step: its rate, whether sustained, and when its latency became steady (ms after the first change). */
    cold: { rate: number; sustained: boolean; timeToSteadyMs: number | null; p99Ms: number } | null;
  };
  error?: string;
}

/** How the bench measures, as its result says it. */
export const PIPELINE_METHOD =
  "sls offline with serverless.yml's batching, its own consumer group at LATEST, its own bucket and a fresh DuckDB file; generator " +
  'steered to the rate every intervalMs up to 4k changes/s, above that deposits committed by Postgres (pipeline/step.ts); latency = epoch_ms(_loaded_at) - _source_ts_ms over RAW rows committed in the window; ' +
  `sustained = complete, drained within 30 s after the step, p99 <= ${P99_BOUND_MS} ms in each third of the step, ` +
  `last-third p50 at most ${LAG_GROWTH_TOLERANCE_MS} ms above the first third's (fixed), load within 90% of target (pipeline/verdict.ts). ` +
  'Capture: connector paused, a generator burst committed, resumed, topics end offsets timed (replay/capture.ts), before the pipeline starts. ' +
  'Cold step: sls offline stopped and started again (same groups and warehouse), straight into the rate; time to steady = first moment ' +
  'after which every 5 s window (by commit time) has p99 <= 5 s, from the first change. Overload: 60 s at twice the ' +
  'highest sustained rate, drain = overload end until its last commit is in RAW.';
