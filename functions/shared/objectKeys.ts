/**
 * The lake's object-key contract, in one place: the writer builds keys, the loader, the sweep,
 * backfill, the local S3 event source and the dashboard parse them or list by their prefixes.
 *
 * `<table>/date=YYYY-MM-DD/<table>+<partition>+<firstOffset>-<lastOffset>.parquet` (epoch 0), and
 * `<table>/date=YYYY-MM-DD/<table>+e<epoch>+<partition>+<firstOffset>-<lastOffset>.parquet` (epoch > 0).
 *
 * Keys derive only from Kafka coordinates, the epoch and the changes' commit date, so a retried batch
 * writes the very same keys (and the loader can tell objects apart by key alone). The epoch
 * (KAFKA_EPOCH, a configured integer) is raised when a topic is recreated or the writer moves to
 * another cluster: offsets restart at 0 there, and without it a new object would overwrite an old
 * one's key and the ledger would skip it. Epoch 0 writes no segment, so every key written before
 * epochs existed is an epoch-0 key. Within one day's folder the keys of one (epoch, partition)
 * share the prefix `partitionPrefix` and stay together in a listing.
 */
import { TABLE_NAMES, type TableName } from './tables';

export interface ObjectCoordinates {
  table: TableName;
  /** UTC date (YYYY-MM-DD) of the changes' source commit. */
  date: string;
  partition: number;
  firstOffset: bigint | number;
  lastOffset: bigint | number;
  /** The record-identity epoch (KAFKA_EPOCH); 0 or absent for the first topics, and for every key written before epochs. */
  epoch?: number;
}

/** A parsed key: its coordinates, with exact offsets. */
export interface LakeObjectKey extends ObjectCoordinates {
  key: string;
  firstOffset: bigint;
  lastOffset: bigint;
  epoch: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** The one parser of lake keys in the tree. */
/** Any captured table's name (tables.ts CAPTURED_TABLE_NAME), declared in tables.ts or not. */
const KEY =
  /^([A-Za-z_][A-Za-z0-9_]*)\/date=(\d{4}-\d{2}-\d{2})\/([A-Za-z_][A-Za-z0-9_]*)\+(?:e([1-9]\d{0,9})\+)?(\d+)\+(\d+)-(\d+)\.parquet$/;
const LAYOUT = '<table>/date=YYYY-MM-DD/<table>+[e<epoch>+]<partition>+<firstOffset>-<lastOffset>.parquet';

/** The largest epoch: it is stored as a 32-bit integer (`_kafka_epoch`). */
export const MAX_EPOCH = 2_147_483_647;

/** The key segment of an epoch: none for 0, `e<epoch>+` otherwise. */
function epochSegment(epoch = 0): string {
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > MAX_EPOCH)
    throw new RangeError(`epoch must be an integer 0..${MAX_EPOCH}, got ${epoch}`);
  return epoch === 0 ? '' : `e${epoch}+`;
}

const isDate = (d: string) => DATE.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`));

export function objectKey(c: ObjectCoordinates): string {
  if (!isDate(c.date)) throw new TypeError(`date must be YYYY-MM-DD, got ${c.date}`);
  if (BigInt(c.firstOffset) > BigInt(c.lastOffset)) throw new RangeError(`first offset ${c.firstOffset} > last ${c.lastOffset}`);
  return `${c.table}/date=${c.date}/${c.table}+${epochSegment(c.epoch)}${c.partition}+${c.firstOffset}-${c.lastOffset}.parquet`;
}

/** Parse a lake key; the error says what is wrong with it. */
export function parseLakeKey(key: string): LakeObjectKey {
  const at = `object key ${JSON.stringify(key)}`;
  const m = KEY.exec(key);
  if (!m) throw new Error(`${at} does not match ${LAYOUT}`);
  const [, folderTable, date, fileTable, epoch, partition, first, last] = m as unknown as (string | undefined)[] as [
    string,
    string,
    string,
    string,
    string | undefined,
    string,
    string,
    string,
  ];
  const table: TableName = folderTable;
  if (fileTable !== folderTable) throw new Error(`${at}: file table ${fileTable} differs from folder ${folderTable}`);
  if (!isDate(date)) throw new Error(`${at} has an invalid date ${date}`);
  const firstOffset = BigInt(first);
  const lastOffset = BigInt(last);
  if (lastOffset < firstOffset) throw new Error(`${at}: last offset precedes first offset`);
  const e = epoch === undefined ? 0 : Number(epoch);
  if (e > MAX_EPOCH) throw new Error(`${at} has an epoch beyond ${MAX_EPOCH}`);
  return { key, table, date, partition: Number(partition), firstOffset, lastOffset, epoch: e };
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

/** Prefix of one (epoch, partition)'s objects within a day (`<day prefix><table>+[e<epoch>+]<partition>+`). */
export const partitionPrefix = (k: Pick<LakeObjectKey, 'table' | 'date' | 'partition'> & { epoch?: number }): string =>
  `${dayPrefix(k.table, k.date)}${k.table}+${epochSegment(k.epoch)}${k.partition}+`;

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

/** `<prefix>/<topic>/<partition>-<offset>.json`, or `<prefix>/<topic>/e<epoch>+<partition>-<offset>.json` for epoch > 0. */
export function deadLetterKey(prefix: string, topic: string, partition: number, offset: number | bigint, epoch = 0): string {
  return `${prefix.replace(/\/+$/, '')}/${topic}/${epochSegment(epoch)}${partition}-${offset}.json`;
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
export function decodeLakeEventKey(encoded: string): string {
  return decodeURIComponent(encoded);
}
