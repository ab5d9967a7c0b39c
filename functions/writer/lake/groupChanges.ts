/**
 * Split a batch's change rows into the lake's objects: one per (table (= topic), source-commit UTC
 * date, Kafka partition), rows in offset order, keyed by the first and last offset they hold.
 */
import type { ChangeRow } from '../../shared/rows';
import { utcDate } from '../../shared/rows';
import type { TableName } from '../../shared/tables';
import { objectKey, type ObjectCoordinates } from '../../shared/objectKeys';

export interface TableRow {
  table: TableName;
  row: ChangeRow;
}

export interface LakeObject extends ObjectCoordinates {
  key: string;
  rows: ChangeRow[];
}

export function groupChanges(changes: readonly TableRow[]): LakeObject[] {
  const groups = new Map<string, { table: TableName; date: string; partition: number; rows: ChangeRow[] }>();
  for (const { table, row } of changes) {
    const date = utcDate(row._source_ts_ms as bigint);
    const partition = row._kafka_partition as number;
    const id = `${row._kafka_topic as string}\u0000${date}\u0000${partition}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { table, date, partition, rows: [] }));
    g.rows.push(row);
  }
  const objects: LakeObject[] = [];
  for (const g of groups.values()) {
    // Offset order makes the bytes independent of the order records were handed to us.
    const rows = g.rows.sort((a, b) => {
      const x = a._kafka_offset as bigint;
      const y = b._kafka_offset as bigint;
      return x < y ? -1 : x > y ? 1 : 0;
    });
    const firstOffset = rows[0]!._kafka_offset as bigint;
    const lastOffset = rows[rows.length - 1]!._kafka_offset as bigint;
    const coords = { table: g.table, date: g.date, partition: g.partition, firstOffset, lastOffset };
    objects.push({ ...coords, key: objectKey(coords), rows });
  }
  // Stable output order (logs, tests) regardless of Map insertion order.
  objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  // Two topics feeding one table would share keys and overwrite each other's objects: refuse.
  for (let i = 1; i < objects.length; i++) {
    if (objects[i]!.key === objects[i - 1]!.key) {
      throw new Error(
        `two topics map to table ${objects[i]!.table} in one batch (key ${objects[i]!.key}); subscribe one topic per table`,
      );
    }
  }
  return objects;
}
