/**
 * In-memory representation of a change row, shared by the decoder, the Parquet writer, the
 * warehouse loader and the reconciliation. Exact by construction: no float but a source float.
 *
 *   int32        -> number
 *   int64        -> bigint
 *   text, char   -> string
 *   decimal      -> string, canonical: optional '-', digits, '.', exactly `scale` digits ("-12.30")
 *   timestamptz  -> bigint, microseconds since the Unix epoch, UTC
 *   timestamp    -> bigint, microseconds since 1970-01-01 00:00 (no zone); time -> bigint, micros since midnight
 *   date         -> number, days since 1970-01-01; boolean -> boolean; bytes -> Uint8Array
 *   float/double -> number (REAL and DOUBLE PRECISION are floats in Postgres too: stored bit-exact)
 *   nullable     -> null when absent
 */

export type CellValue = number | bigint | string | boolean | Uint8Array | null;
export type ChangeRow = Record<string, CellValue>;

/** UTC calendar date (YYYY-MM-DD) of an epoch-milliseconds instant: the lake's partition. */
export function utcDate(epochMs: number | bigint): string {
  return new Date(Number(epochMs)).toISOString().slice(0, 10);
}
