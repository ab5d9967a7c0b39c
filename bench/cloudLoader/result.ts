/** What the cloud loader bench measures (bench/results/cloudLoader.json). */
export interface CloudLoaderBenchResult {
  bench: 'cloudLoader';
  at: string;
  method: string;
  objectsPerS: number;
  rowsPerS: number;
  writerObjectsPerS: number;
  ratio: number;
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
  sweepSeconds: number;
  sweep: {
    wallSeconds: number;
    emulatorSeconds: number;
    ledgered: number;
    missing: number;
    found: number;
    loaded: number;
    listed: number;
    pages: number;
  };
}
