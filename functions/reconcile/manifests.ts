/**
 * Every ledgered object's manifest (functions/shared/manifest.ts) against what RAW holds for it,
 * for `npm run verify`. What RAW holds for an object: its rows (`_file`), or, when the loader
 * inserted fewer rows than the manifest states (records already in RAW from an overlapping object
 * a crashed writer left), every RAW row of its topic, partition and offset range committed on its
 * date (the object's key): the same records, whichever object inserted them.
 *
 * On a difference, the object is named with the manifest field that differs; given the object
 * itself (`objectFile`), the first differing key and column are found by comparing its rows with
 * RAW's, record by record (Kafka offset).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { manifestOfRawRows, manifestSelectList } from '../loader/manifestCheck';
import { manifestDifference, parseManifest, type Manifest } from '../shared/manifest';
import { parseLakeKey } from '../shared/objectKeys';
import { TABLE_NAMES, tableDef, changeColumns, type TableName } from '../shared/tables';

export interface ManifestMismatch {
  object: string;
  table: string;
  /** The manifest field that differs: "rows: manifest 12, RAW 11". */
  difference: string;
  /** Found in the object's rows against RAW's, when the object could be read. */
  key?: string;
  column?: string;
  lake?: string;
  warehouse?: string;
  offset?: string;
}

export interface ManifestVerification {
  /** Ledgered objects whose manifest matched what RAW holds for them. */
  verified: number;
  /** Ledgered objects without a manifest (written before manifests existed). */
  unverified: number;
  mismatches: ManifestMismatch[];
}

const DAY_MS = 86_400_000n;

export async function verifyManifests(
  db: DuckDBConnection,
  schema = 'raw',
  objectFile?: (key: string) => Promise<string>,
): Promise<ManifestVerification> {
  const hasColumn = (
    await db.runAndReadAll(
      `SELECT count(*) FROM information_schema.columns WHERE table_schema = $schema AND table_name = '_loads' AND column_name = 'manifest'`,
      { schema },
    )
  ).getRows()[0]![0];
  const ledger = (
    await db.runAndReadAll(
      `SELECT object_key, table_name, row_count, ${Number(hasColumn) > 0 ? 'manifest' : 'NULL'} FROM ${schema}._loads ORDER BY object_key`,
    )
  ).getRows();
  const result: ManifestVerification = { verified: 0, unverified: 0, mismatches: [] };
  // Every RAW table the ledger names, tables.ts's or not (an undeclared table's manifest has no key).
  const rawTables = new Set(
    (await db.runAndReadAll(`SELECT table_name FROM information_schema.tables WHERE table_schema = $schema`, { schema }))
      .getRows()
      .map((r) => String(r[0])),
  );
  const tables = [...new Set<TableName>([...TABLE_NAMES, ...ledger.map((r) => String(r[1]))])].filter((t) => rawTables.has(t));
  for (const table of tables) {
    const objects = ledger.filter((r) => r[1] === table);
    if (objects.length === 0) continue;
    const epochs = await hasEpochColumn(db, schema, table);
    const byFile = new Map<string, unknown[][]>();
    const rows = (
      await db.runAndReadAll(`SELECT _file, ${manifestSelectList('duckdb', table)} FROM ${schema}."${table}"`)
    ).getRows();
    for (const r of rows) {
      const f = String(r[0]);
      let list = byFile.get(f);
      if (!list) byFile.set(f, (list = []));
      list.push(r.slice(1));
    }
    for (const [key, , rowCount, text] of objects) {
      const object = String(key);
      if (text === null || text === undefined) {
        result.unverified++;
        continue;
      }
      let manifest: Manifest;
      try {
        manifest = parseManifest(String(text));
      } catch (err) {
        result.mismatches.push({ object, table, difference: `ledgered manifest unreadable: ${(err as Error).message}` });
        continue;
      }
      const held =
        Number(rowCount) === manifest.rows
          ? (byFile.get(object) ?? [])
          : await rowsOfRange(db, schema, table, object, manifest, epochs);
      const diff = manifestDifference(manifest, manifestOfRawRows(table, held));
      if (diff === null) {
        result.verified++;
        continue;
      }
      const m: ManifestMismatch = { object, table, difference: diff };
      if (objectFile) {
        try {
          Object.assign(m, await firstRowDifference(db, schema, table, object, manifest, await objectFile(object), epochs));
        } catch (err) {
          m.difference += ` (the object could not be compared row by row: ${(err as Error).message})`;
        }
      }
      result.mismatches.push(m);
    }
  }
  return result;
}

/** Does RAW's table have `_kafka_epoch` (a warehouse loaded before epochs does not, until its next load)? */
async function hasEpochColumn(db: DuckDBConnection, schema: string, table: TableName): Promise<boolean> {
  const rows = (
    await db.runAndReadAll(
      `SELECT count(*) FROM information_schema.columns WHERE table_schema = $schema AND table_name = $table AND column_name = '_kafka_epoch'`,
      { schema, table },
    )
  ).getRows();
  return Number(rows[0]![0]) > 0;
}

/** RAW rows of the object's records whichever object inserted them (see the module comment). */
function rangePredicate(object: string, manifest: Manifest, epochs: boolean): string {
  const k = parseLakeKey(object);
  // The epoch is part of a record's identity: a recreated topic's offsets are not an older epoch's
  // (RAW rows from before epochs hold NULL: epoch 0).
  const epoch = epochs ? ` AND coalesce(_kafka_epoch, 0) = ${k.epoch ?? 0}` : '';
  const day = BigInt(Date.parse(`${k.date}T00:00:00Z`));
  const [first, last] = manifest.offsets ?? [k.firstOffset.toString(), k.lastOffset.toString()];
  const topic = manifest.topic.replace(/'/g, "''");
  return `_kafka_topic = '${topic}' AND _kafka_partition = ${k.partition} AND _kafka_offset BETWEEN ${first} AND ${last}
      AND _source_ts_ms >= ${day} AND _source_ts_ms < ${day + DAY_MS}${epoch}`;
}

async function rowsOfRange(
  db: DuckDBConnection,
  schema: string,
  table: TableName,
  object: string,
  manifest: Manifest,
  epochs: boolean,
): Promise<unknown[][]> {
  return (
    await db.runAndReadAll(
      `SELECT ${manifestSelectList('duckdb', table)} FROM ${schema}."${table}" WHERE ${rangePredicate(object, manifest, epochs)}`,
    )
  ).getRows();
}

/** The first record (in key order) whose row in RAW differs from the object's: missing, doubled or a column. */
async function firstRowDifference(
  db: DuckDBConnection,
  schema: string,
  table: TableName,
  object: string,
  manifest: Manifest,
  file: string,
  epochs: boolean,
): Promise<Partial<ManifestMismatch>> {
  const cols = changeColumns(table).map((c) => c.name);
  const keyCols = tableDef(table).key;
  const list = cols.map((c) => `CAST("${c}" AS VARCHAR) AS "${c}"`).join(', ');
  const path = file.replace(/'/g, "''");
  const lake = (await db.runAndReadAll(`SELECT ${list} FROM read_parquet('${path}')`)).getRowObjectsJson();
  const raw = (
    await db.runAndReadAll(
      `SELECT ${list} FROM ${schema}."${table}" WHERE (${rangePredicate(object, manifest, epochs)}) OR _file = '${object.replace(/'/g, "''")}'`,
    )
  ).getRowObjectsJson();
  const at = (r: Record<string, unknown>) => `${String(r._kafka_topic)}|${String(r._kafka_offset)}`;
  const rawBy = new Map<string, Array<Record<string, unknown>>>();
  for (const r of raw) rawBy.set(at(r), [...(rawBy.get(at(r)) ?? []), r]);
  const keyOf = (r: Record<string, unknown>) => keyCols.map((k) => String(r[k])).join(',');
  const numeric = (a: string, b: string) => (a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0);
  const sorted = [...lake].sort((a, b) => numeric(keyOf(a), keyOf(b)) || numeric(String(a._lsn), String(b._lsn)));
  for (const l of sorted) {
    const found = rawBy.get(at(l)) ?? [];
    const base = { key: keyOf(l), offset: String(l._kafka_offset) };
    if (found.length === 0) return { ...base, column: '(row missing in RAW)', lake: String(l._op), warehouse: '' };
    if (found.length > 1)
      return { ...base, column: `(row held ${found.length} times in RAW)`, lake: '1', warehouse: String(found.length) };
    const w = found[0]!;
    const c = cols.find((name) => String(l[name]) !== String(w[name]));
    if (c) return { ...base, column: c, lake: String(l[c]), warehouse: String(w[c]) };
  }
  const lakeAt = new Set(lake.map(at));
  const extra = raw.find((r) => !lakeAt.has(at(r)));
  if (extra) return { key: keyOf(extra), offset: String(extra._kafka_offset), column: '(row in RAW, not in the object)' };
  return {};
}
