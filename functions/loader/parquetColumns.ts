/**
 * The columns an object really carries, read from its Parquet footer (hyparquet, footer only),
 * with each column's type from its Parquet logical type. The loader matches columns by name,
 * never by position: the writer may append schema-evolved columns after the CDC metadata.
 * The same description drives both warehouses' DDL (duckdbColumnType, snowflakeColumnType).
 */
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { typeName } from '../shared/typeNames';
import { MANIFEST_KEY } from '../shared/manifest';

export type LakeType =
  | {
      kind: 'int32' | 'int64' | 'text' | 'boolean' | 'date' | 'timestamptz' | 'timestamp' | 'double' | 'float' | 'time' | 'bytes';
    }
  | { kind: 'decimal'; precision: number; scale: number };

export interface LakeColumn {
  name: string;
  type: LakeType;
}

/** The Parquet schema element fields we read (hyparquet's SchemaElement, loosely typed). */
export interface ParquetElement {
  name: string;
  type?: string;
  num_children?: number;
  converted_type?: string;
  logical_type?: { type: string; precision?: number; scale?: number; isAdjustedToUTC?: boolean; bitWidth?: number };
  precision?: number;
  scale?: number;
}

/** A column's type, or a sentence saying why it cannot be loaded. */
export function lakeType(el: ParquetElement): LakeType | string {
  const logical = el.logical_type?.type ?? el.converted_type;
  if (logical === 'DECIMAL') {
    const precision = el.logical_type?.precision ?? el.precision;
    const scale = el.logical_type?.scale ?? el.scale ?? 0;
    if (precision === undefined) return `column ${el.name}: DECIMAL without a precision`;
    return { kind: 'decimal', precision, scale };
  }
  if (logical === 'TIMESTAMP' || logical === 'TIMESTAMP_MICROS' || logical === 'TIMESTAMP_MILLIS') {
    // Converted types (no logical type) are UTC-adjusted by definition.
    return { kind: el.logical_type?.isAdjustedToUTC === false ? 'timestamp' : 'timestamptz' };
  }
  if (logical === 'STRING' || logical === 'UTF8' || logical === 'ENUM') return { kind: 'text' };
  if (logical === 'DATE') return { kind: 'date' };
  if ((logical === 'TIME' || logical === 'TIME_MICROS') && el.type === 'INT64' && el.logical_type?.isAdjustedToUTC !== true) {
    return { kind: 'time' };
  }
  if (logical === 'INTEGER' || logical === 'INT_32' || logical === 'INT_64' || logical === undefined) {
    if (el.type === 'INT32') return { kind: 'int32' };
    if (el.type === 'INT64') return { kind: 'int64' };
    if (el.type === 'BOOLEAN' && logical === undefined) return { kind: 'boolean' };
    if (el.type === 'DOUBLE' && logical === undefined) return { kind: 'double' };
    if (el.type === 'FLOAT' && logical === undefined) return { kind: 'float' };
    if (el.type === 'BYTE_ARRAY' && logical === undefined) return { kind: 'bytes' };
  }
  return `column ${el.name}: Parquet ${el.type ?? 'group'}${logical ? ` (${logical})` : ''} is not a type the lake writes`;
}

/** Flat columns of a schema (root first, as in the footer); nested groups are refused. */
export function lakeColumns(schema: readonly ParquetElement[]): { columns: LakeColumn[]; problems: string[] } {
  const columns: LakeColumn[] = [];
  const problems: string[] = [];
  for (const el of schema.slice(1)) {
    if (el.num_children) {
      problems.push(`column ${el.name} is a nested group; the lake writes flat columns only`);
      continue;
    }
    const t = lakeType(el);
    if (typeof t === 'string') problems.push(t);
    else columns.push({ name: el.name, type: t });
  }
  return { columns, problems };
}

/**
 * Reads only the footer of a local Parquet file: its columns, rows and the writer's manifest
 * (null for an object written before manifests). Throws when it is not Parquet.
 */
export async function readLakeColumns(
  file: string,
): Promise<{ columns: LakeColumn[]; problems: string[]; rows: number; manifest: string | null }> {
  const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file));
  const manifest = metadata.key_value_metadata?.find((kv) => kv.key === MANIFEST_KEY)?.value ?? null;
  return { ...lakeColumns(metadata.schema as unknown as ParquetElement[]), rows: Number(metadata.num_rows), manifest };
}

/** DuckDB type, as information_schema.columns.data_type spells it (so it can be compared). */
export function duckdbColumnType(t: LakeType): string {
  return typeName('duckdbDescribed', t.kind, t.kind === 'decimal' ? t : {});
}

/** Snowflake type for ALTER TABLE ... ADD COLUMN (a lake column has no length: VARCHAR). */
export function snowflakeColumnType(t: LakeType): string {
  return typeName('snowflake', t.kind, t.kind === 'decimal' ? t : {});
}
