/**
 * In-memory representation of a change row, shared by the decoder, the Parquet writer, the
 * warehouse loader and the reconciliation. Exact by construction: no floats anywhere.
 *
 *   int32        -> number
 *   int64        -> bigint
 *   text, char   -> string
 *   decimal      -> string, canonical: optional '-', digits, '.', exactly `scale` digits ("-12.30")
 *   timestamptz  -> bigint, microseconds since the Unix epoch, UTC
 *   nullable     -> null when absent
 */

export type CellValue = number | bigint | string | null;
export type ChangeRow = Record<string, CellValue>;

/** UTC calendar date (YYYY-MM-DD) of an epoch-milliseconds instant: the lake's partition. */
export function utcDate(epochMs: number | bigint): string {
  return new Date(Number(epochMs)).toISOString().slice(0, 10);
}
