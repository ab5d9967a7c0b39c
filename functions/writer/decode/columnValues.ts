/**
 * Decoders from Debezium's JSON values to exact values, one per column type. The writer's hot path
 * uses `columnDecoder`, which yields the Parquet physical value (decimal as its unscaled bigint,
 * timestamptz as epoch microseconds); `decodeColumn` yields the in-memory representation of
 * functions/shared/rows.ts. Each throws DecodeError naming the column, so a record that does not
 * fit goes to the dead letters instead of being coerced.
 */
import { DecodeError } from '../../shared/errors';
import type { CellValue } from '../../shared/rows';
import type { ColumnDef } from '../../shared/tables';
import { parseIsoMicros } from './isoTimestamp';
import { describeValue } from './valueless';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Debezium's stand-in for an unchanged TOASTed value it could not read (unavailable.value.placeholder). */
export const UNAVAILABLE_PLACEHOLDER = '__debezium_unavailable_value';
/** The placeholder as a bytea column carries it: its bytes, base64 in JSON. */
const UNAVAILABLE_BASE64 = Buffer.from(UNAVAILABLE_PLACEHOLDER, 'utf8').toString('base64');
/** The placeholder as an array of a numeric type carries it: its bytes, one element each (recorded). */
const UNAVAILABLE_BYTES = [...Buffer.from(UNAVAILABLE_PLACEHOLDER, 'utf8')];

function isPlaceholderArray(raw: unknown): boolean {
  if (!Array.isArray(raw)) return false;
  if (raw.length === 1) return raw[0] === UNAVAILABLE_PLACEHOLDER;
  return raw.length === UNAVAILABLE_BYTES.length && raw.every((v, i) => v === UNAVAILABLE_BYTES[i]);
}

/**
 * How to tell Debezium's placeholder for an unchanged TOASTed value (REPLICA IDENTITY DEFAULT) in
 * a column, as recorded from the real connector (tests/fixtures/debezium/toast.json): the text for
 * text, json and numeric columns, its bytes for bytea, `[placeholder]` for an array of text and the
 * placeholder's bytes for an array of numbers. Null for the types Postgres never TOASTs. A real
 * value equal to the placeholder is indistinguishable from it (Debezium's own ambiguity, README).
 */
export function unavailableTest(col: ColumnDef): ((raw: unknown) => boolean) | null {
  switch (col.type) {
    case 'text':
    case 'char':
      return col.source === 'json' ? isPlaceholderArray : (raw) => raw === UNAVAILABLE_PLACEHOLDER;
    case 'decimal':
      return (raw) => raw === UNAVAILABLE_PLACEHOLDER;
    case 'bytes':
      return (raw) => raw === UNAVAILABLE_BASE64;
    default:
      return null;
  }
}

/** A value as hyparquet-writer takes it for the column's physical type. */
export type Physical = number | bigint | string | boolean | Uint8Array | null;
export type ColumnDecoder = (raw: unknown) => Physical;

function fail(col: ColumnDef, why: string, raw: unknown): never {
  // The column and the kind of value, never the value (valueless.ts).
  throw new DecodeError(`column ${col.name} (${col.type}): ${why}, got ${describeValue(raw)}`);
}

export function decodeInt32(col: ColumnDef, raw: unknown): number {
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < INT32_MIN || raw > INT32_MAX) {
    fail(col, 'expected a 32-bit integer', raw);
  }
  return raw;
}

export function decodeInt64(col: ColumnDef, raw: unknown): bigint {
  if (typeof raw !== 'number' || !Number.isInteger(raw)) fail(col, 'expected an integer', raw);
  // JSON.parse has already rounded anything beyond 2^53 (Node 20 has no source-text access), so
  // such a value cannot be trusted: dead-letter it rather than store a neighbouring number.
  if (!Number.isSafeInteger(raw)) fail(col, 'integer beyond 2^53 cannot be decoded exactly from JSON', raw);
  return BigInt(raw);
}

export function decodeText(col: ColumnDef, raw: unknown): string {
  if (typeof raw !== 'string') fail(col, 'expected a string', raw);
  // UTF-16 length is an upper bound of the code-point count; only count when it might matter.
  if (col.length !== undefined && raw.length > col.length && [...raw].length > col.length) {
    fail(col, `longer than ${col.length} characters (if Postgres widened the column, update functions/shared/tables.ts)`, raw);
  }
  return raw;
}

const DECIMAL_STRING = /^-?\d+(?:\.\d+)?$/;

/** Unscaled integer of a decimal at the column's scale from sign and digit strings, range-checked. */
function unscaled(col: ColumnDef, negative: boolean, intDigits: string, fraction: string, raw: unknown): bigint {
  const scale = col.scale ?? 0;
  const precision = col.precision ?? 38;
  if (fraction.length > scale) fail(col, `more than ${scale} fraction digits`, raw);
  let z = 0;
  while (z < intDigits.length - 1 && intDigits.charCodeAt(z) === 48) z++;
  const int = z ? intDigits.slice(z) : intDigits;
  if (int !== '0' && int.length > precision - scale) fail(col, `more than ${precision - scale} integer digits`, raw);
  const frac = fraction.length === scale ? fraction : fraction.padEnd(scale, '0');
  const n = BigInt(int + frac);
  return negative ? -n : n;
}

/** Big-endian two's complement bytes (Kafka Connect's Decimal / VariableScaleDecimal) to a bigint. */
function unscaledFromBytes(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  if (bytes.length > 0 && (bytes[0]! & 0x80) !== 0) n -= 1n << BigInt(bytes.length * 8);
  return n;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * NUMERIC(p,s) as its unscaled integer at scale s. `decimal.handling.mode=string` gives "1234.50";
 * `precise` on a variable-scale numeric gives {scale, value: base64}. A JSON number means `double`
 * mode, which has already lost cents, so it is refused with the setting to fix.
 */
export function decodeUnscaledDecimal(col: ColumnDef, raw: unknown): bigint {
  if (typeof raw === 'string') {
    if (!DECIMAL_STRING.test(raw)) fail(col, 'expected a decimal string like "1234.50"', raw);
    const negative = raw.charCodeAt(0) === 45;
    const dot = raw.indexOf('.');
    const start = negative ? 1 : 0;
    return dot < 0
      ? unscaled(col, negative, raw.slice(start), '', raw)
      : unscaled(col, negative, raw.slice(start, dot), raw.slice(dot + 1), raw);
  }
  if (typeof raw === 'number') {
    fail(col, 'decimal arrived as a JSON number (lossy); the connector needs decimal.handling.mode=string', raw);
  }
  if (raw !== null && typeof raw === 'object' && 'scale' in raw && 'value' in raw) {
    const { scale, value } = raw as { scale: unknown; value: unknown };
    if (typeof scale !== 'number' || !Number.isInteger(scale) || scale < 0 || typeof value !== 'string' || !BASE64.test(value)) {
      fail(col, 'expected {scale: integer, value: base64}', raw);
    }
    const n = unscaledFromBytes(Buffer.from(value, 'base64'));
    const digits = (n < 0n ? -n : n).toString().padStart(scale + 1, '0');
    // Trailing zeros beyond the column's scale carry no value; anything else does not fit.
    const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
    return unscaled(col, n < 0n, digits.slice(0, digits.length - scale), fraction, raw);
  }
  fail(col, 'expected a decimal string', raw);
}

/** Canonical decimal string ("-12.30") of an unscaled integer at `scale`. */
export function formatDecimal(n: bigint, scale: number): string {
  const digits = (n < 0n ? -n : n).toString().padStart(scale + 1, '0');
  const sign = n < 0n ? '-' : '';
  return scale > 0 ? `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}` : `${sign}${digits}`;
}

export function decodeDecimal(col: ColumnDef, raw: unknown): string {
  return formatDecimal(decodeUnscaledDecimal(col, raw), col.scale ?? 0);
}

/** TIMESTAMPTZ as microseconds since the epoch, UTC. */
export function decodeTimestamptz(col: ColumnDef, raw: unknown): bigint {
  if (typeof raw !== 'string') fail(col, 'expected an ISO-8601 timestamp string', raw);
  const p = parseIsoMicros(raw);
  if (!p.ok) fail(col, p.why, raw);
  return p.micros;
}

export function decodeBoolean(col: ColumnDef, raw: unknown): boolean {
  if (typeof raw !== 'boolean') fail(col, 'expected true or false', raw);
  return raw;
}

/** Kafka Connect's JSON writes the non-finite values as strings (Jackson quotes them). */
const NON_FINITE: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** REAL / DOUBLE PRECISION: the number as sent, or NaN / ±Infinity. */
export function decodeFloat(col: ColumnDef, raw: unknown): number {
  if (typeof raw === 'string' && raw in NON_FINITE) return NON_FINITE[raw]!;
  if (typeof raw !== 'number') fail(col, 'expected a number, NaN or Infinity', raw);
  if (col.type !== 'float') return raw;
  // A REAL arrives as its shortest decimal (Java's Float.toString): the nearest float32 to it is the value.
  const f = Math.fround(raw);
  if (!Number.isFinite(f)) fail(col, 'beyond the range of a 32-bit float', raw);
  return f;
}

const DAY_MICROS = 86_400_000_000;

/** DATE (days since the epoch), TIME (microseconds since midnight), TIMESTAMP (micros, or millis ×1000). */
function decodeTemporal(col: ColumnDef, raw: unknown): number | bigint {
  if (col.type === 'date') return decodeInt32(col, raw);
  const n = decodeInt64(col, raw);
  if (col.type === 'time' && (n < 0n || n > BigInt(DAY_MICROS))) fail(col, 'time of day out of range', raw);
  return col.source === 'millis' ? n * 1000n : n;
}

const BASE64_STRICT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** BYTEA: Debezium's bytes, base64 in JSON. */
export function decodeBytes(col: ColumnDef, raw: unknown): Uint8Array {
  if (typeof raw !== 'string' || !BASE64_STRICT.test(raw)) fail(col, 'expected base64 bytes', raw);
  return new Uint8Array(Buffer.from(raw, 'base64'));
}

/** An array column as JSON text; refused when JSON.parse may have rounded one of its numbers. */
function decodeJsonArray(col: ColumnDef, raw: unknown): string {
  if (!Array.isArray(raw)) fail(col, 'expected an array', raw);
  const check = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(check);
    else if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) {
      fail(col, 'array element beyond 2^53 cannot be decoded exactly from JSON', raw);
    }
  };
  check(raw);
  return JSON.stringify(raw);
}

function nonNull(col: ColumnDef, raw: unknown): void {
  if (raw === undefined) {
    fail(
      col,
      'column missing from the change event: it was renamed or dropped in Postgres. Rename or remove it in ' +
        'functions/shared/tables.ts (and RAW), deploy, then replay the dead letters (npm run dlq -- replay)',
      raw,
    );
  }
  if (!col.nullable) fail(col, 'required column is null', raw);
}

/**
 * The decoder of one column to its physical value. Absent (undefined) is never null: Debezium
 * writes every column of the row, so a missing key means the column is gone upstream.
 */
export function columnDecoder(col: ColumnDef): ColumnDecoder {
  const value = ((): ColumnDecoder => {
    switch (col.type) {
      case 'int32':
        return (raw) => decodeInt32(col, raw);
      case 'int64':
        return (raw) => decodeInt64(col, raw);
      case 'text':
      case 'char':
        return col.source === 'json' ? (raw) => decodeJsonArray(col, raw) : (raw) => decodeText(col, raw);
      case 'boolean':
        return (raw) => decodeBoolean(col, raw);
      case 'float':
      case 'double':
        return (raw) => decodeFloat(col, raw);
      case 'date':
      case 'time':
      case 'timestamp':
        return (raw) => decodeTemporal(col, raw);
      case 'bytes':
        return (raw) => decodeBytes(col, raw);
      case 'decimal':
        return (raw) => decodeUnscaledDecimal(col, raw);
      case 'timestamptz':
        return (raw) => decodeTimestamptz(col, raw);
    }
  })();
  return (raw) => {
    if (raw === null || raw === undefined) {
      nonNull(col, raw);
      return null;
    }
    return value(raw);
  };
}

/** Decode one column of a before/after image to the in-memory representation (rows.ts). */
export function decodeColumn(col: ColumnDef, raw: unknown): CellValue {
  const v = columnDecoder(col)(raw);
  return col.type === 'decimal' && v !== null ? formatDecimal(v as bigint, col.scale ?? 0) : v;
}
