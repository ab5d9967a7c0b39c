/**
 * Lake object keys: `<table>/date=YYYY-MM-DD/<table>+<partition>+<firstOffset>-<lastOffset>.parquet`.
 * The loader only needs the table (which RAW table to fill); the rest is checked so that a
 * stray object is reported instead of being loaded into the wrong place.
 */
import { TABLE_NAMES, type TableName } from '../shared/tables';

export interface LakeObjectKey {
  key: string;
  table: TableName;
  date: string;
  partition: number;
  firstOffset: bigint;
  lastOffset: bigint;
}

const KEY_PATTERN = /^([a-z_]+)\/date=(\d{4}-\d{2}-\d{2})\/([a-z_]+)\+(\d+)\+(\d+)-(\d+)\.parquet$/;

/**
 * AWS S3 event notifications URL-encode object keys (a literal `+`, which every lake key
 * contains, arrives as `%2B`, a space as `+`), and so does our local event source
 * (infra/offline-s3); MinIO's own bucket notifications leave `+` as it is. Lake keys never contain spaces, so a `+` is
 * kept as `+` and both sources decode to the same key. (A foreign key with a space would come
 * out with `+` and be reported as not loadable, never loaded wrongly.)
 */
export function decodeEventKey(encoded: string): string {
  return decodeURIComponent(encoded);
}

export function isDeadLetterKey(key: string, dlqPrefix = '_dlq'): boolean {
  return key === dlqPrefix || key.startsWith(`${dlqPrefix}/`);
}

/** Should the loader consider this key at all? Parquet objects outside the dead-letter prefix. */
export function isLoadableKey(key: string, dlqPrefix = '_dlq'): boolean {
  return key.endsWith('.parquet') && !isDeadLetterKey(key, dlqPrefix);
}

/** Parse a lake key; the error says what is wrong with it. */
export function parseLakeKey(key: string): LakeObjectKey {
  const m = KEY_PATTERN.exec(key);
  if (!m) {
    throw new Error(
      `object key ${JSON.stringify(key)} does not match <table>/date=YYYY-MM-DD/<table>+<partition>+<firstOffset>-<lastOffset>.parquet`,
    );
  }
  const [, prefixTable, date, fileTable, partition, first, last] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const table = TABLE_NAMES.find((t) => t === prefixTable);
  if (!table) throw new Error(`object key ${JSON.stringify(key)} names unknown table ${JSON.stringify(prefixTable)}`);
  if (fileTable !== prefixTable) {
    throw new Error(`object key ${JSON.stringify(key)}: file table ${fileTable} differs from folder ${prefixTable}`);
  }
  if (Number.isNaN(Date.parse(`${date}T00:00:00Z`)))
    throw new Error(`object key ${JSON.stringify(key)} has an invalid date ${date}`);
  const firstOffset = BigInt(first);
  const lastOffset = BigInt(last);
  if (lastOffset < firstOffset) throw new Error(`object key ${JSON.stringify(key)}: last offset precedes first offset`);
  return { key, table, date, partition: Number(partition), firstOffset, lastOffset };
}

/** Prefixes to list for a date range: one per (table, day), inclusive of both ends. */
export function prefixesForDates(from: string, to: string, tables: readonly TableName[] = TABLE_NAMES): string[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(from) || Number.isNaN(start)) throw new Error(`--from ${from}: expected YYYY-MM-DD`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(to) || Number.isNaN(end)) throw new Error(`--to ${to}: expected YYYY-MM-DD`);
  if (end < start) throw new Error(`--to ${to} is before --from ${from}`);
  const days: string[] = [];
  for (let t = start; t <= end; t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  return tables.flatMap((table) => days.map((d) => `${table}/date=${d}/`));
}
