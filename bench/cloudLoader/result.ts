/** What the cloud loader bench measures (bench/results/cloudLoader.json). */
import type { MeasuredWriterRate } from '../writerRate';

export interface CloudLoaderBenchResult {
  bench: 'cloudLoader';
  at: string;
  method: string;
  objectsPerS: number;
  rowsPerS: number;
  /** Measured by the pipeline bench (writerRate.ts); `writer` says where. */
  writerObjectsPerS: number;
  /** Absent in results from before it was measured. */
  writer?: MeasuredWriterRate;
  /** objectsPerS / writerObjectsPerS: the latency model's figure, the one the verdict uses. */
  ratio: number;
  /** The same with wall-clock objects/s (fakesnow's own work included). */
  wallRatio?: number;
  statementLatencyMs: number;
  copyFileLatencyMs: number;
  rowsPerObject: number;
  paced: {
    seconds: number;
    objects: number;
    invocations: number;
    maxBacklog: number;
    p50InvocationMs: number;
    maxInvocationMs: number;
  };
  /** ms = wallMs - emulatorMs: the loader's own time and the injected latency. */
  capacity: { objects: number; ms: number; wallMs: number; emulatorMs: number; wallObjectsPerS: number; statements: number };
  /** Wall clock of the cold sweep (fakesnow's own work included): the verdict's figure. */
  sweepSeconds: number;
  sweep: SweepRun & { ledgered: number; missing: number; next?: SweepRun };
}

/** One sweep: seconds wall clock, and with fakesnow's own (serial) work taken out. */
export interface SweepRun {
  wallSeconds: number;
  modelSeconds: number;
  emulatorSeconds: number;
  found: number;
  listed: number;
  compared: number;
  pages: number;
}
