/**
 * Whether an object the warehouse refused as "corrupt" really is, decided by reading the object
 * again rather than by the error's text: a transient DuckDB IO error that names the file (or
 * mentions Parquet) reads like a content error, and recording it as such would drop the object
 * from the event while nothing is wrong with it.
 *
 * So, after a CorruptObjectError: download the object again and read it whole with hyparquet (an
 * independent reader). If it does not parse, or its columns are not the table's, it is corrupt.
 * If it is valid, load it once more: success means the first error was transient; the same kind
 * of error again, on a valid file, means its values are what the warehouse rejects (a constraint),
 * which no retry fixes, so it is recorded. Any other error is thrown, so the event is retried.
 */
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { changeColumns, type TableName } from '../shared/tables';
import { errorMessage } from '../shared/errors';
import { CorruptObjectError } from './errors';
import { type LoadResult, type Log } from './port';

export type Recheck = { status: 'corrupt'; reason: string } | { status: 'loaded'; result: LoadResult };

/** What is wrong with a local Parquet file for `table`, or null when it reads whole with the expected columns. */
export async function parquetProblem(file: string, table: TableName): Promise<string | null> {
  try {
    const buffer = await asyncBufferFromFile(file);
    const metadata = await parquetMetadataAsync(buffer);
    const columns = metadata.schema.slice(1).map((s) => s.name);
    // Columns beyond the table's are schema-evolved ones (RAW gains them); missing ones are not.
    const missing = changeColumns(table)
      .map((c) => c.name)
      .filter((c) => !columns.includes(c));
    if (missing.length) return `columns differ from ${table}'s: missing [${missing.join(', ')}]`;
    // Every page decoded: a truncated or garbled column chunk fails here.
    const rows = await parquetReadObjects({ file: buffer, metadata });
    if (rows.length !== Number(metadata.num_rows)) return `read ${rows.length} rows, the footer says ${metadata.num_rows}`;
    return null;
  } catch (err) {
    return `not readable as Parquet: ${errorMessage(err)}`;
  }
}

export interface RecheckDeps {
  table: TableName;
  /** Download the object again (a fresh copy); resolves to its local path. */
  download: () => Promise<string>;
  /** Load that fresh copy. */
  load: (file: string) => Promise<LoadResult>;
  log: Log;
}

export async function recheckCorrupt(first: CorruptObjectError, deps: RecheckDeps): Promise<Recheck> {
  const file = await deps.download();
  const problem = await parquetProblem(file, deps.table);
  if (problem) return { status: 'corrupt', reason: `${first.reason} (re-read: ${problem})` };
  deps.log.warn('the object re-reads as valid Parquet: loading it again', { key: first.key, firstError: first.reason });
  try {
    return { status: 'loaded', result: await deps.load(file) };
  } catch (err) {
    if (err instanceof CorruptObjectError)
      return { status: 'corrupt', reason: `${err.reason} (twice, on a file that re-reads as valid Parquet: its values)` };
    throw err;
  }
}
