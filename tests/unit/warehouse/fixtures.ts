/**
 * Test data for the loader: change rows that exercise every column type and the edges of
 * NUMERIC(18,2), encoded with the lake writer's own encoder (the real contract), and helpers
 * that read RAW back from DuckDB as exact strings.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { encodeParquet } from '../../../functions/lake';
import type { ChangeRow } from '../../../functions/shared/rows';
import { changeColumns, topicFor, type TableName } from '../../../functions/shared/tables';
import type { Log } from '../../../functions/warehouse/port';
import { ObjectMissingError, type ListedObject, type ObjectStore } from '../../../functions/warehouse/objectStore';
import { writeFile } from 'node:fs/promises';

const EDGE_AMOUNTS = ['999999999999999.99', '0.01', '0.00', '123456789012345.67', '-999999999999999.99', '100000.10'];

/** Deterministic pseudo-random cents (no Math.random: failures must reproduce). */
function cents(i: number, seed: number): string {
  const v = BigInt((i * 7919 + seed * 104729) % 1_000_000_007) * 1013n;
  const s = (v % 100_000_000_000_000_000n).toString().padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}

export function sampleRows(
  table: TableName,
  count: number,
  opts: { seed?: number; partition?: number; firstOffset?: number } = {},
): ChangeRow[] {
  const seed = opts.seed ?? 1;
  const partition = opts.partition ?? 0;
  const first = opts.firstOffset ?? 0;
  const ops = ['c', 'u', 'd', 'r'] as const;
  const rows: ChangeRow[] = [];
  for (let i = 0; i < count; i++) {
    const money = i < EDGE_AMOUNTS.length ? EDGE_AMOUNTS[i]! : cents(i, seed);
    const ts = 1_714_521_600_000_000n + BigInt(i) * 1_000_001n + BigInt(seed); // micros, not whole ms
    const meta: ChangeRow = {
      _op: ops[i % 4]!,
      _lsn: 90_000_000_000n + BigInt(seed * 1_000_000 + i),
      _source_ts_ms: 1_714_521_600_000n + BigInt(i),
      _tx_id: i % 5 === 0 ? null : BigInt(700 + i),
      _kafka_topic: topicFor(table),
      _kafka_partition: partition,
      _kafka_offset: BigInt(first + i),
    };
    const id = seed * 100_000 + i + 1;
    if (table === 'customers') {
      rows.push({
        id,
        first_name: `Zoë-${i}`,
        last_name: "O'Brien",
        email: `c${seed}-${i}@example.com`,
        created_at: ts,
        ...meta,
      });
    } else if (table === 'accounts') {
      rows.push({
        id,
        customer_id: i + 1,
        account_type: 'CHECKING',
        balance: money,
        currency: 'USD',
        status: 'ACTIVE',
        created_at: ts,
        ...meta,
      });
    } else {
      rows.push({
        id: BigInt(id) + 9_000_000_000n,
        account_id: i + 1,
        txn_type: 'TRANSFER',
        amount: money,
        related_account_id: i % 3 === 0 ? null : i + 2,
        status: 'COMPLETED',
        created_at: ts,
        ...meta,
      });
    }
  }
  return rows;
}

export function lakeKey(table: TableName, date: string, partition: number, firstOffset: number, count: number): string {
  return `${table}/date=${date}/${table}+${partition}+${firstOffset}-${firstOffset + count - 1}.parquet`;
}

export { encodeParquet };

/** A row as RAW should hold it, every value as an exact string (null stays null). */
export function expectedStrings(table: TableName, row: ChangeRow): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const c of changeColumns(table)) {
    const v = row[c.name];
    out[c.name] = v === null || v === undefined ? null : String(v);
  }
  return out;
}

/** Select expression reading a RAW column back exactly (timestamps as epoch microseconds). */
function exactExpr(name: string, type: string): string {
  return type === 'timestamptz' ? `CAST(epoch_us(t.${name}) AS VARCHAR) AS ${name}` : `CAST(t.${name} AS VARCHAR) AS ${name}`;
}

/** Open the warehouse file read-only-ish for assertions, run fn, always release the file. */
export async function withDuckdb<T>(
  path: string,
  fn: (q: (sql: string) => Promise<Array<Record<string, unknown>>>) => Promise<T>,
): Promise<T> {
  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  try {
    return await fn(async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, unknown>>);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

export async function rawRowsOf(path: string, table: TableName, file: string): Promise<Array<Record<string, string | null>>> {
  const cols = changeColumns(table);
  return withDuckdb(path, async (q) => {
    const rows = await q(
      `SELECT ${cols.map((c) => exactExpr(c.name, c.type)).join(', ')} FROM raw.${table} AS t WHERE t._file = '${file.replace(/'/g, "''")}' ORDER BY t._kafka_offset`,
    );
    return rows as Array<Record<string, string | null>>;
  });
}

/** An object store backed by a Map, for unit tests of the loader without MinIO. */
export function memoryStore(objects: Map<string, Uint8Array>): ObjectStore & { downloads: string[] } {
  const downloads: string[] = [];
  return {
    downloads,
    async download(bucket, key, toFile) {
      const body = objects.get(`${bucket}/${key}`);
      if (!body) throw new ObjectMissingError(`s3://${bucket}/${key} does not exist`);
      downloads.push(key);
      await writeFile(toFile, body);
      return { etag: `etag-${body.length}` };
    },
    async *list(bucket, prefix): AsyncIterable<ListedObject> {
      for (const [k, v] of [...objects].sort(([a], [b]) => a.localeCompare(b))) {
        if (k.startsWith(`${bucket}/${prefix}`)) yield { key: k.slice(bucket.length + 1), etag: null, size: v.length };
      }
    },
  };
}

/** A Log that records what it was told. */
export function recordingLog(): Log & { lines: Array<{ level: string; message: string; attrs: Record<string, unknown> }> } {
  const lines: Array<{ level: string; message: string; attrs: Record<string, unknown> }> = [];
  const at =
    (level: string) =>
    (message: string, ...attrs: Array<Record<string, unknown>>) => {
      lines.push({ level, message, attrs: Object.assign({}, ...attrs) });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
