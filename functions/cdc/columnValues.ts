/**
 * Decoders from Debezium's JSON (JsonConverter, schemas disabled) to the exact in-memory values of
 * functions/shared/rows.ts, one per column type. Each throws DecodeError naming the column, so a
 * record that does not fit the table definition goes to the dead letters instead of being coerced.
 */
import { DecodeError } from '../shared/errors';
import type { CellValue } from '../shared/rows';
import type { ColumnDef } from '../shared/tables';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function fail(col: ColumnDef, why: string, raw: unknown): never {
  const shown = JSON.stringify(raw);
  throw new DecodeError(
    `column ${col.name} (${col.type}): ${why}, got ${shown === undefined ? 'undefined' : shown.slice(0, 80)}`,
  );
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
    fail(col, `longer than ${col.length} characters`, raw);
  }
  return raw;
}

const DECIMAL_STRING = /^(-?)(\d+)(?:\.(\d+))?$/;

/** A decimal from its digits: canonical string with exactly `scale` fraction digits ("-12.30"). */
function canonicalDecimal(col: ColumnDef, negative: boolean, intDigits: string, fraction: string, raw: unknown): string {
  const scale = col.scale ?? 0;
  const precision = col.precision ?? 38;
  if (fraction.length > scale) fail(col, `more than ${scale} fraction digits`, raw);
  const int = intDigits.replace(/^0+(?=\d)/, '');
  if (int !== '0' && int.length > precision - scale) fail(col, `more than ${precision - scale} integer digits`, raw);
  const frac = fraction.padEnd(scale, '0');
  const isZero = int === '0' && /^0*$/.test(frac);
  const sign = negative && !isZero ? '-' : '';
  return scale > 0 ? `${sign}${int}.${frac}` : `${sign}${int}`;
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
 * NUMERIC(p,s): `decimal.handling.mode=string` gives "1234.50"; `precise` on a variable-scale
 * numeric gives {scale, value: base64}. A JSON number means `double` mode, which has already lost
 * cents, so it is refused with the setting to fix.
 */
export function decodeDecimal(col: ColumnDef, raw: unknown): string {
  if (typeof raw === 'string') {
    const m = DECIMAL_STRING.exec(raw);
    if (!m) fail(col, 'expected a decimal string like "1234.50"', raw);
    return canonicalDecimal(col, m[1] === '-', m[2]!, m[3] ?? '', raw);
  }
  if (typeof raw === 'number') {
    fail(col, 'decimal arrived as a JSON number (lossy); the connector needs decimal.handling.mode=string', raw);
  }
  if (raw !== null && typeof raw === 'object' && 'scale' in raw && 'value' in raw) {
    const { scale, value } = raw as { scale: unknown; value: unknown };
    if (typeof scale !== 'number' || !Number.isInteger(scale) || scale < 0 || typeof value !== 'string' || !BASE64.test(value)) {
      fail(col, 'expected {scale: integer, value: base64}', raw);
    }
    const unscaled = unscaledFromBytes(Buffer.from(value, 'base64'));
    const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
    const intDigits = digits.slice(0, digits.length - scale);
    // Trailing zeros beyond the column's scale carry no value; anything else does not fit.
    const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
    return canonicalDecimal(col, unscaled < 0n, intDigits, fraction, raw);
  }
  fail(col, 'expected a decimal string', raw);
}

// Debezium's ZonedTimestamp: ISO-8601 with 0-9 fraction digits, normally 'Z' (it converts to UTC).
const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** TIMESTAMPTZ as microseconds since the epoch, UTC. */
export function decodeTimestamptz(col: ColumnDef, raw: unknown): bigint {
  if (typeof raw !== 'string') fail(col, 'expected an ISO-8601 timestamp string', raw);
  const m = ISO_TIMESTAMP.exec(raw);
  if (!m) fail(col, 'expected an ISO-8601 timestamp like 2026-11-24T03:40:01.123456Z', raw);
  const [, y, mo, d, h, mi, s, frac = '', zone] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const check = new Date(ms);
  // Date.UTC rolls 2026-02-30 over to March; a real timestamp never needs that.
  if (
    Number.isNaN(ms) ||
    check.getUTCDate() !== Number(d) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  ) {
    fail(col, 'not a valid calendar instant', raw);
  }
  const nanos = frac.padEnd(9, '0');
  if (nanos.slice(6) !== '000') fail(col, 'sub-microsecond precision would be lost', raw);
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const sign = zone!.startsWith('-') ? -1 : 1;
    offsetMinutes = sign * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(4, 6)));
  }
  return (BigInt(ms) - BigInt(offsetMinutes) * 60_000n) * 1000n + BigInt(nanos.slice(0, 6));
}

/** Decode one column of a before/after image; absent and null are the same for nullable columns. */
export function decodeColumn(col: ColumnDef, raw: unknown): CellValue {
  if (raw === null || raw === undefined) {
    if (col.nullable) return null;
    fail(col, raw === undefined ? 'required column missing' : 'required column is null', raw);
  }
  switch (col.type) {
    case 'int32':
      return decodeInt32(col, raw);
    case 'int64':
      return decodeInt64(col, raw);
    case 'text':
    case 'char':
      return decodeText(col, raw);
    case 'decimal':
      return decodeDecimal(col, raw);
    case 'timestamptz':
      return decodeTimestamptz(col, raw);
  }
}
