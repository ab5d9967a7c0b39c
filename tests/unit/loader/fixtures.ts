/**
 * Test data for the loader: change rows that exercise every column type and the edges of
 * NUMERIC(18,2), encoded with the lake writer's own encoder (the real contract), and helpers
 * that read RAW back from DuckDB as exact strings.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetWriteBuffer, type ColumnSource, type SchemaElement } from 'hyparquet-writer';
import { encodeParquet } from '../../../functions/writer';
import { encodeColumns, physical } from '../../../functions/writer/lake/encodeParquet';
import { objectManifest } from '../../../functions/writer/lake/objectManifest';
import { MANIFEST_KEY, manifestText } from '../../../functions/shared/manifest';
import { unscaledDecimal } from '../../../functions/writer/lake/encodeParquet';
import { columnElement, parquetSchema } from '../../../functions/writer/lake/parquetSchema';
import type { ChangeRow } from '../../../functions/shared/rows';
import { changeColumns, type TableName } from '../../../functions/shared/tables';
import type { Log } from '../../../functions/loader/port';
import { ObjectMissingError } from '../../../functions/loader/errors';
import type { ListedObject, ObjectStore } from '../../../functions/loader/s3ObjectStore';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export { lakeKey, sampleRows } from '../../../bench/lakeSamples';

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

/** A column the source gained after tables.ts was written (schema evolution). */
export interface ExtraColumn {
  name: string;
  type: 'text' | 'decimal' | 'timestamptz' | 'int32' | 'int64' | 'boolean' | 'date';
  precision?: number;
  scale?: number;
}

/** The writer's own Parquet element for the column (evolved columns are always optional). */
function extraElement(c: ExtraColumn): SchemaElement {
  return columnElement({ ...c, nullable: true });
}

/**
 * The lake's Parquet for `rows` with `extra` columns appended after the CDC metadata, as the
 * writer lays out schema-evolved columns. Extra values: decimals as canonical strings, instants
 * as epoch-micro bigints, dates as day numbers.
 */
export function encodeWithExtraColumns(
  table: TableName,
  rows: ReadonlyArray<Record<string, ChangeRow[string] | boolean>>,
  extra: readonly ExtraColumn[],
): Uint8Array {
  const base = parquetSchema(table);
  const schema: SchemaElement[] = [
    { ...base[0]!, num_children: base.length - 1 + extra.length },
    ...base.slice(1),
    ...extra.map(extraElement),
  ];
  const physical = (c: { type: string; scale?: number }, v: unknown) =>
    v === null || v === undefined ? null : c.type === 'decimal' ? unscaledDecimal(String(v), c.scale ?? 0) : v;
  const columnData: ColumnSource[] = [...changeColumns(table), ...extra].map((c) => ({
    name: c.name,
    data: rows.map((r) => physical(c, r[c.name])) as ColumnSource['data'],
    nullable: !('nullable' in c) || c.nullable,
  }));
  return new Uint8Array(parquetWriteBuffer({ columnData, schema }));
}

/**
 * A fresh folder per test (removed after it) and the DuckDB file's path inside it, for the
 * loader's DuckDB tests: `const tmp = scratchWarehouse('wh-x-')`, then `tmp.dbPath`, `tmp.dir`.
 */
export function scratchWarehouse(prefix: string, ...file: string[]): { readonly dir: string; readonly dbPath: string } {
  const tmp = { dir: '', dbPath: '' };
  beforeEach(async () => {
    tmp.dir = await mkdtemp(join(tmpdir(), prefix));
    tmp.dbPath = join(tmp.dir, ...(file.length ? file : ['banking.duckdb']));
  });
  afterEach(() => rm(tmp.dir, { recursive: true, force: true }));
  return tmp;
}

/** An object holding `rows` under the manifest of `stated`: what a tampered (or corrupted) object looks like. */
export function tamperedObject(table: TableName, stated: readonly ChangeRow[], rows: readonly ChangeRow[]): Uint8Array {
  const cols = changeColumns(table);
  const data = (rs: readonly ChangeRow[]) => cols.map((c) => rs.map((r) => physical(c, r[c.name] ?? null)));
  const manifest = manifestText(objectManifest(table, cols, data(stated)));
  return encodeColumns(table, cols, data(rows), {}, [{ key: MANIFEST_KEY, value: manifest }]);
}
