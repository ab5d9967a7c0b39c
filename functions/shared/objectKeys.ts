/**
 * The lake's object-key contract, in one place: the writer builds keys, the loader, the sweep,
 * backfill, the local S3 event source and the dashboard parse them or list by their prefixes.
 *
 * `<table>/date=YYYY-MM-DD/<table>+<partition>+<firstOffset>-<lastOffset>.parquet`
 *
 * Keys derive only from Kafka coordinates and the changes' commit date, so a retried batch writes
 * the very same keys (and the loader can tell objects apart by key alone).
 */
import { TABLE_NAMES, type TableName } from './tables';

export interface ObjectCoordinates {
  table: TableName;
  /** UTC date (YYYY-MM-DD) of the changes' source commit. */
  date: string;
  partition: number;
  firstOffset: bigint | number;
  lastOffset: bigint | number;
}

/** A parsed key: its coordinates, with exact offsets. */
export interface LakeObjectKey extends ObjectCoordinates {
  key: string;
  firstOffset: bigint;
  lastOffset: bigint;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** The one parser of lake keys in the tree. */
const KEY = /^([a-z_]+)\/date=(\d{4}-\d{2}-\d{2})\/([a-z_]+)\+(\d+)\+(\d+)-(\d+)\.parquet$/;
const LAYOUT = '<table>/date=YYYY-MM-DD/<table>+<partition>+<firstOffset>-<lastOffset>.parquet';

const isDate = (d: string) => DATE.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`));

export function objectKey(c: ObjectCoordinates): string {
  if (!isDate(c.date)) throw new TypeError(`date must be YYYY-MM-DD, got ${c.date}`);
  if (BigInt(c.firstOffset) > BigInt(c.lastOffset)) throw new RangeError(`first offset ${c.firstOffset} > last ${c.lastOffset}`);
  return `${c.table}/date=${c.date}/${c.table}+${c.partition}+${c.firstOffset}-${c.lastOffset}.parquet`;
}

/** Parse a lake key; the error says what is wrong with it. */
export function parseLakeKey(key: string): LakeObjectKey {
  const at = `object key ${JSON.stringify(key)}`;
  const m = KEY.exec(key);
  if (!m) throw new Error(`${at} does not match ${LAYOUT}`);
  const [, folderTable, date, fileTable, partition, first, last] = m as unknown as string[] as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const table = TABLE_NAMES.find((t) => t === folderTable);
  if (!table) throw new Error(`${at} names unknown table ${JSON.stringify(folderTable)}`);
  if (fileTable !== folderTable) throw new Error(`${at}: file table ${fileTable} differs from folder ${folderTable}`);
  if (!isDate(date)) throw new Error(`${at} has an invalid date ${date}`);
  const firstOffset = BigInt(first);
  const lastOffset = BigInt(last);
  if (lastOffset < firstOffset) throw new Error(`${at}: last offset precedes first offset`);
  return { key, table, date, partition: Number(partition), firstOffset, lastOffset };
}

/** parseLakeKey, or undefined when the key is not a lake object. */
export function parseObjectKey(key: string): LakeObjectKey | undefined {
  try {
    return parseLakeKey(key);
  } catch {
    return undefined;
  }
}

/** Prefix of one table's objects for one day. */
export const dayPrefix = (table: TableName, date: string): string => `${table}/date=${date}/`;

/** Prefix of one partition's objects within a day (`<day prefix><table>+<partition>+`). */
export const partitionPrefix = (k: Pick<LakeObjectKey, 'table' | 'date' | 'partition'>): string =>
  `${dayPrefix(k.table, k.date)}${k.table}+${k.partition}+`;

/** Prefixes to list for a date range: one per (table, day), inclusive of both ends. */
export function prefixesForDates(from: string, to: string, tables: readonly TableName[] = TABLE_NAMES): string[] {
  if (!isDate(from)) throw new Error(`--from ${from}: expected YYYY-MM-DD`);
  if (!isDate(to)) throw new Error(`--to ${to}: expected YYYY-MM-DD`);
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (end < start) throw new Error(`--to ${to} is before --from ${from}`);
  const days: string[] = [];
  for (let t = start; t <= end; t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  return tables.flatMap((table) => days.map((d) => dayPrefix(table, d)));
}

/** `<prefix>/<topic>/<partition>-<offset>.json` */
export function deadLetterKey(prefix: string, topic: string, partition: number, offset: number | bigint): string {
  return `${prefix.replace(/\/+$/, '')}/${topic}/${partition}-${offset}.json`;
}

export function isDeadLetterKey(key: string, dlqPrefix = '_dlq'): boolean {
  return key === dlqPrefix || key.startsWith(`${dlqPrefix}/`);
}

/** Should the loader consider this key at all? Parquet objects outside the dead-letter prefix. */
export function isLoadableKey(key: string, dlqPrefix = '_dlq'): boolean {
  return key.endsWith('.parquet') && !isDeadLetterKey(key, dlqPrefix);
}

/**
 * AWS S3 event notifications URL-encode object keys (a literal `+`, which every lake key
 * contains, arrives as `%2B`, a space as `+`), and so does our local event source
 * (infra/local/offline-s3); MinIO's own bucket notifications leave `+` as it is. Lake keys never contain
 * spaces, so a `+` is kept as `+` and both sources decode to the same key. (A foreign key with a
 * space would come out with `+` and be reported as not loadable, never loaded wrongly.)
 */
export function decodeEventKey(encoded: string): string {
  return decodeURIComponent(encoded);
}
