/**
 * Object keys derive only from Kafka coordinates and the change's commit date, so a retried batch
 * writes the very same keys (and the loader can tell objects apart by key alone).
 */
import type { TableName } from '../shared/tables';

export interface ObjectCoordinates {
  table: TableName;
  /** UTC date (YYYY-MM-DD) of the changes' source commit. */
  date: string;
  partition: number;
  firstOffset: bigint | number;
  lastOffset: bigint | number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** `<table>/date=YYYY-MM-DD/<table>+<partition>+<firstOffset>-<lastOffset>.parquet` */
export function objectKey(c: ObjectCoordinates): string {
  if (!DATE.test(c.date)) throw new TypeError(`date must be YYYY-MM-DD, got ${c.date}`);
  if (BigInt(c.firstOffset) > BigInt(c.lastOffset)) throw new RangeError(`first offset ${c.firstOffset} > last ${c.lastOffset}`);
  return `${c.table}/date=${c.date}/${c.table}+${c.partition}+${c.firstOffset}-${c.lastOffset}.parquet`;
}

const KEY = /^(customers|accounts|transactions)\/date=(\d{4}-\d{2}-\d{2})\/\1\+(\d+)\+(\d+)-(\d+)\.parquet$/;

/** Inverse of objectKey, for the loader; undefined when the key is not a lake object. */
export function parseObjectKey(key: string): ObjectCoordinates | undefined {
  const m = KEY.exec(key);
  if (!m) return undefined;
  return {
    table: m[1] as TableName,
    date: m[2]!,
    partition: Number(m[3]),
    firstOffset: BigInt(m[4]!),
    lastOffset: BigInt(m[5]!),
  };
}

/** `<prefix>/<topic>/<partition>-<offset>.json` */
export function deadLetterKey(prefix: string, topic: string, partition: number, offset: number | bigint): string {
  return `${prefix.replace(/\/+$/, '')}/${topic}/${partition}-${offset}.json`;
}
