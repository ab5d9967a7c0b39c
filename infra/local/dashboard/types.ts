/** The shape of /api/status: what the page draws and what a script can read. */

/** How fresh one source's figures are: each source is read on its own cadence and may lag or fail. */
export interface SourceState {
  name: string;
  /** When its figures were last read successfully (ms since epoch). */
  asOf?: number;
  /** How long the last read took. */
  tookMs?: number;
  /** The pause it keeps between reads (grows with the read's cost). */
  everyMs: number;
  /** Why the last read did not succeed (busy file, service down). */
  error?: string;
  /** The warehouse only: how long its last read held the DuckDB file. */
  heldMs?: number;
}

export interface PartitionLag {
  groupId: string;
  topic: string;
  partition: number;
  /** Next offset Kafka will give a record. */
  end: number;
  /** The group's committed offset (next record it will read); null before its first commit. */
  committed: number | null;
  lag: number;
}

export interface Reason {
  key: string;
  reason: string;
  /** ms since epoch */
  at: number;
}

export interface LatencyBucket {
  /** Start of the 5 s bucket of _loaded_at, ms since epoch. */
  t: number;
  p50: number;
  p99: number;
  rows: number;
}

export interface Stage {
  /** Cumulative count (what the stage has produced so far). */
  count: number | null;
  /** Per second over the last ~10 s, from the history. */
  rate: number | null;
  what: string;
  detail?: string;
}

export interface Reconciliation {
  at: number;
  /** match: exact; in-flight: differs while changes are still on their way; mismatch: differs with nothing in flight. */
  verdict: 'match' | 'in-flight' | 'mismatch';
  source: { rows: Record<string, number>; balanceSum: string };
  warehouse: { rows: Record<string, number>; balanceSum: string };
  differences: string[];
  tookMs: number;
}

export interface ServiceHealth {
  name: string;
  healthy: boolean;
  detail: string;
  link?: string;
}

export interface Status {
  now: number;
  /** Rows in the source's tables now (exact count, read every ~10 s). */
  sourceRows: number | null;
  stages: Record<'generated' | 'captured' | 'written' | 'lake' | 'loaded' | 'modelled', Stage>;
  lag: { total: number | null; partitions: PartitionLag[]; groups: string[] };
  lake: {
    objects: number;
    bytes: number;
    rows: number;
    waiting: number;
    oldestWaitingMs: number | null;
    waitingSample: string[];
  };
  latency: { buckets: LatencyBucket[]; p50: number | null; p99: number | null };
  deadLetters: { count: number; recent: Reason[] };
  loadErrors: { count: number; recent: Reason[] };
  reconciliation: {
    live?: Reconciliation;
    /** Set while changes are in flight: the warehouse side is not read then (it would only make the loaders wait). */
    deferred?: { at: number; why: string };
    lastE2e?: { at: number; match: boolean; summary: string };
    /** The last `npm run verify`: its audit log's last entry. */
    lastVerify?: { at: number; match: boolean; summary: string };
  };
  dbt: { lastRun?: string; models: Record<string, number> };
  services: ServiceHealth[];
  links: { minioConsole: string; connect: string; airflow: string };
  history: { t: number[]; series: Record<string, (number | null)[]> };
  sources: SourceState[];
  warehousePath: string;
}
