/**
 * The warehouse port: what the loader needs from a warehouse, and nothing more. Adapters:
 * duckdbWarehouse.ts (local, embedded) and snowflakeWarehouse.ts (cloud).
 */
import type { TableName } from '../shared/tables';

export interface ObjectToLoad {
  /** Decoded object key; also the ledger key and the RAW rows' `_file`. */
  readonly key: string;
  readonly table: TableName;
  /** Known ETag; set from the download once localFile() has run. */
  etag: string | null;
  /**
   * Local copy of the object, downloaded on the first call: DuckDB reads it; the Snowflake adapter
   * reads its footer (schema evolution) and, without an external stage, PUTs it to the table stage.
   */
  localFile(): Promise<string>;
}

export type LoadResult = { status: 'loaded'; rows: number } | { status: 'already-loaded' };

/** Opened for one batch of loads; close() ends the batch (an adapter may keep its connection warm). */
export interface WarehouseSession {
  /** Which of these keys the ledger already holds: lets the loader skip the download. */
  loadedKeys(keys: readonly string[]): Promise<Set<string>>;
  /**
   * The ledger's keys from `first` to `last` (inclusive, binary order): one listing page's worth in
   * one short statement (two binds), for the sweep. Optional: without it the sweep uses loadedKeys.
   */
  loadedKeysBetween?(first: string, last: string): Promise<Set<string>>;
  /**
   * Insert the objects' rows and their ledger rows in one transaction, all or nothing; an object
   * already in the ledger is skipped ('already-loaded'). Throws CorruptObjectError naming the
   * object whose content was refused (the loader then retries the others one per transaction).
   */
  loadAll(objects: readonly ObjectToLoad[]): Promise<LoadResult[]>;
  /** The sweep's cursor as the last runs left it (sweep.ts). Optional, as is saveSweepMarks. */
  sweepMarks?(): Promise<SweepMark[]>;
  /** Upsert these prefixes' marks (kept in the warehouse so a cold container resumes the sweep). */
  saveSweepMarks?(marks: readonly SweepMark[]): Promise<void>;
  /** Remember an object that could not be loaded (it stays out of the ledger, so a re-drive retries it). */
  recordFailure(key: string, etag: string | null, reason: string): Promise<void>;
  /**
   * Someone else is waiting for the warehouse (a local DuckDB file: dbt, verify, a reader). The
   * loader then leaves the invocation's remaining objects for a retry after the current group, so a
   * catch-up of thousands of objects does not hold the file for minutes. Optional (Snowflake: never).
   */
  wanted?(): boolean;
  close(): Promise<void>;
}

/** One lake prefix's place in the sweep. */
export interface SweepMark {
  prefix: string;
  /** Epoch ms: every object of the prefix stored before it was in the ledger at an earlier sweep. */
  verifiedBefore: number | null;
  /** Its place in the next run's queue (lowest first); null when the last run finished it. */
  pending: number | null;
}

export interface SessionOptions {
  /**
   * When the invocation ends (epoch ms): an adapter bounds its statements and lock waits below it,
   * so a timed-out invocation leaves no transaction holding locks. Absent for the CLIs.
   */
  deadline?: number;
}

export interface Warehouse {
  readonly name: string;
  /** Objects one transaction should take (a warehouse whose cost is per statement takes many). */
  readonly objectsPerTransaction?: number;
  /** Read-only statements (loadedKeys) may run side by side with each other (the sweep's look-ups). */
  readonly concurrentStatements?: boolean;
  open(options?: SessionOptions): Promise<WarehouseSession>;
  /** Let go of a connection kept open between sessions (CLIs call it before they exit). */
  release(): Promise<void>;
}

/** The minimal structured logger the core needs (Powertools' Logger satisfies it). */
export interface Log {
  debug(message: string, ...attributes: Array<Record<string, unknown>>): void;
  info(message: string, ...attributes: Array<Record<string, unknown>>): void;
  warn(message: string, ...attributes: Array<Record<string, unknown>>): void;
  error(message: string, ...attributes: Array<Record<string, unknown>>): void;
}
