/**
 * Columns of one lake object to the bytes of one Parquet file (hyparquet-writer). Deterministic:
 * the same columns give the same bytes, so a retried batch rewrites an identical object.
 *
 * Encodings: hyparquet-writer's default (a dictionary when it at least halves a column, else
 * PLAIN) suits repeated values; columns that are unique per row and mostly increasing (the key,
 * LSN, commit time, Kafka offset) get DELTA_BINARY_PACKED instead, which stores small deltas and
 * skips the dictionary attempt; instants are PLAIN, and text columns carry no min/max statistics.
 * `tunedEncodings: false` gives the writer's earlier output, byte for byte.
 */
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import type { Physical } from '../decode/columnValues';
import type { CellValue, ChangeRow } from '../../shared/rows';
import { changeColumns, tableDef, type ColumnDef, type TableName } from '../../shared/tables';
import { schemaOf } from './parquetSchema';
import { objectManifest } from './objectManifest';
import { MANIFEST_KEY, manifestText } from '../../shared/manifest';

const CREATED_BY = 'banking-cdc-serverless (hyparquet-writer)';
const MONOTONIC_CDC = new Set(['_lsn', '_source_ts_ms', '_kafka_offset']);

export interface EncodeOptions {
  /** DELTA_BINARY_PACKED for unique, increasing integer columns (default true). */
  tunedEncodings?: boolean;
  /** The object's manifest in its footer (default true); false gives an object as written before manifests. */
  manifest?: boolean;
}

/** Key-value pairs for the file's footer (the object's manifest). */
export type KeyValueMetadata = Array<{ key: string; value: string }>;

function deltaEncoded(table: TableName, col: ColumnDef): boolean {
  if (col.nullable || (col.type !== 'int32' && col.type !== 'int64')) return false;
  return MONOTONIC_CDC.has(col.name) || tableDef(table).key.includes(col.name);
}

/** Encodes columns given as physical values (decimal unscaled, timestamptz epoch micros). */
export function encodeColumns(
  table: TableName,
  columns: readonly ColumnDef[],
  data: readonly Physical[][],
  opts: EncodeOptions = {},
  kvMetadata?: KeyValueMetadata,
): Uint8Array {
  const tuned = opts.tunedEncodings ?? true;
  const columnData: ColumnSource[] = columns.map((col, i) => {
    const source: ColumnSource = { name: col.name, data: data[i]!, nullable: col.nullable };
    if (!tuned) return source;
    if (deltaEncoded(table, col)) source.encoding = 'DELTA_BINARY_PACKED';
    // Instants are nearly unique: a dictionary is tried on them for nothing.
    else if (col.type === 'timestamptz') source.encoding = 'PLAIN';
    // Min/max of text (truncated to 16 bytes) prune nothing the loader reads; numbers keep theirs.
    if (col.type === 'text' || col.type === 'char' || col.type === 'bytes') source.statistics = false;
    return source;
  });
  const buffer = parquetWriteBuffer({
    columnData,
    schema: schemaOf(columns),
    createdBy: CREATED_BY,
    ...(kvMetadata ? { kvMetadata } : {}),
  });
  return new Uint8Array(buffer);
}

/** Canonical decimal string ("-12.30") to its unscaled integer (-1230n), checking the scale. */
export function unscaledDecimal(value: string, scale: number): bigint {
  const dot = value.indexOf('.');
  const fractionDigits = dot < 0 ? 0 : value.length - dot - 1;
  if (fractionDigits !== scale || !/^-?\d+(\.\d+)?$/.test(value)) {
    throw new TypeError(`decimal ${JSON.stringify(value)} is not canonical with scale ${scale}`);
  }
  return BigInt(dot < 0 ? value : value.slice(0, dot) + value.slice(dot + 1));
}

/** Whether a non-null cell holds the in-memory type of its column kind (rows.ts). */
function fits(col: ColumnDef, v: NonNullable<CellValue>): boolean {
  switch (col.type) {
    case 'int32':
    case 'date':
      return typeof v === 'number' && Number.isInteger(v);
    case 'int64':
    case 'timestamptz':
    case 'time':
    case 'timestamp':
      return typeof v === 'bigint';
    case 'text':
    case 'char':
    case 'decimal':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'float':
    case 'double':
      return typeof v === 'number';
    case 'bytes':
      return v instanceof Uint8Array;
  }
}

/** The physical value of an in-memory cell (rows.ts); money and instants stay bigint. */
export function physical(col: ColumnDef, v: CellValue): Physical {
  if (v === null || v === undefined) {
    if (!col.nullable) throw new TypeError(`column ${col.name} is required but null`);
    return null;
  }
  if (!fits(col, v)) throw new TypeError(`column ${col.name} (${col.type}): unexpected value ${String(v)} (${typeof v})`);
  return col.type === 'decimal' ? unscaledDecimal(v as string, col.scale ?? 0) : (v as Physical);
}

/**
 * Change rows in the in-memory representation to one object (the table's columns, no evolved
 * ones), with its manifest unless `manifest: false` (an object as written before manifests existed).
 */
export function encodeParquet(table: TableName, rows: readonly ChangeRow[], opts: EncodeOptions = {}): Uint8Array {
  const columns = changeColumns(table);
  const data = columns.map((col) => {
    const values = new Array<Physical>(rows.length);
    for (let i = 0; i < rows.length; i++) values[i] = physical(col, rows[i]![col.name] ?? null);
    return values;
  });
  const kv =
    opts.manifest === false ? undefined : [{ key: MANIFEST_KEY, value: manifestText(objectManifest(table, columns, data)) }];
  return encodeColumns(table, columns, data, opts, kv);
}
