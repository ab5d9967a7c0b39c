/** Snowflake's side of the manifest check: each object's footer manifest against what COPY put in RAW. */
import { errorMessage } from '../shared/errors';
import { type Manifest } from '../shared/manifest';
import { CorruptObjectError } from './errors';
import type { Log, ObjectToLoad } from './port';
import { readLakeColumns } from './parquetColumns';
import { checkAgainstManifest, manifestOfRawRows, objectManifest } from './manifestCheck';
import { fileMatchesKey, rawRowsOfFiles, type SnowflakeTarget } from './snowflakeSql';
import type { SqlConnection } from './snowflakeWarehouse';

/** The manifest in the object's footer (null when it was written before manifests). */
export async function footerManifest(object: ObjectToLoad, local: string): Promise<Manifest | null> {
  let text: string | null;
  try {
    text = (await readLakeColumns(local)).manifest;
  } catch (err) {
    throw new CorruptObjectError(object.key, `not a readable Parquet file: ${errorMessage(err)}`, { cause: err });
  }
  return objectManifest(object.key, text);
}

/**
 * What COPY put in RAW for each object (its rows by `_file`: COPY appends, so they are exactly
 * the object's), in one SELECT per COPY, against each object's manifest. A mismatch refuses the
 * object (the transaction is undone; the loader retries the others one per transaction).
 */
export async function checkManifests(
  conn: SqlConnection,
  target: SnowflakeTarget,
  objects: readonly ObjectToLoad[],
  copied: ReadonlyMap<string, number>,
  manifests: ReadonlyMap<string, Manifest | null>,
  log: Log,
): Promise<void> {
  const withManifest = objects.filter((o) => copied.has(o.key) && manifests.get(o.key));
  for (const o of objects)
    if (copied.has(o.key) && !manifests.get(o.key))
      log.info('object has no manifest (written before manifests): loaded unverified', { key: o.key });
  if (withManifest.length === 0) return;
  const table = withManifest[0]!.table;
  const result = await conn.execute(
    rawRowsOfFiles(target, table, withManifest.length),
    withManifest.map((o) => o.key),
  );
  // Each Kafka record once, as staging reads RAW: a FORCE reload (the ledger lost the object's
  // row, or a re-drive past Snowflake's load metadata) appends the file's rows a second time.
  const byFile = new Map<string, Map<string, Record<string, unknown>>>();
  for (const r of result) {
    const file = String(r.FILE ?? r.file);
    const o = withManifest.find((x) => fileMatchesKey(file, x.key));
    if (!o) continue;
    let records = byFile.get(o.key);
    if (!records) byFile.set(o.key, (records = new Map()));
    const at = `${String(r.TOPIC ?? r.topic)}|${String(r.PART ?? r.part)}|${String(r.OFF ?? r.off)}`;
    if (!records.has(at)) records.set(at, r);
  }
  for (const o of withManifest)
    checkAgainstManifest(o.key, manifests.get(o.key)!, manifestOfRawRows(table, [...(byFile.get(o.key)?.values() ?? [])]));
}
