/**
 * The Debezium change-event envelope as JsonConverter writes it with schemas disabled:
 * {before, after, source: {lsn, ts_ms, txId, ...}, op, ts_ms}, alone or as the payload of
 * {schema, payload} (schemas enabled; valueReader.ts strips the schema on the hot path).
 */
import { DecodeError } from '../../shared/errors';
import { CDC_OPS, type CdcOp } from '../../shared/tables';
import { describeValue, jsonErrorPosition } from './valueless';

export type Image = Record<string, unknown>;

export interface Envelope {
  op: CdcOp;
  before: Image | null;
  after: Image | null;
  lsn: number;
  sourceTsMs: number;
  txId: number | null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function image(v: unknown, field: 'before' | 'after'): Image | null {
  if (v === null || v === undefined) return null;
  if (!isObject(v)) throw new DecodeError(`envelope.${field} must be an object or null`);
  return v;
}

function safeInteger(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    throw new DecodeError(`envelope.${field} must be an exact integer, got ${describeValue(v)}`);
  }
  return v;
}

/** Last millisecond of 9999-12-31 UTC: the lake's partition date has four year digits. */
export const MAX_TS_MS = 253402300799999;

/** Parse the UTF-8 JSON text of a Kafka value into an envelope; DecodeError says what is wrong. */
export function parseEnvelope(json: string): Envelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new DecodeError(`value is not JSON: ${jsonErrorPosition(err)}`);
  }
  if (isObject(parsed) && 'payload' in parsed && 'schema' in parsed) parsed = parsed.payload;
  return toEnvelope(parsed);
}

/** The envelope of an already parsed value (its payload, when the schema was inline). */
export function toEnvelope(parsed: unknown): Envelope {
  if (!isObject(parsed)) throw new DecodeError('value is not a Debezium envelope object');

  const op = parsed.op;
  if (typeof op !== 'string' || !(CDC_OPS as readonly string[]).includes(op)) {
    throw new DecodeError(`envelope.op must be one of ${CDC_OPS.join(', ')}, got ${describeValue(op)}`);
  }
  const source = parsed.source;
  if (!isObject(source)) throw new DecodeError('envelope.source is missing');
  const txId = source.txId;
  const sourceTsMs = safeInteger(source.ts_ms, 'source.ts_ms');
  if (sourceTsMs < 0 || sourceTsMs > MAX_TS_MS) {
    throw new DecodeError('envelope.source.ts_ms is not a commit time between 1970 and 9999');
  }
  return {
    op: op as CdcOp,
    before: image(parsed.before, 'before'),
    after: image(parsed.after, 'after'),
    lsn: safeInteger(source.lsn, 'source.lsn'),
    sourceTsMs,
    txId: txId === null || txId === undefined ? null : safeInteger(txId, 'source.txId'),
  };
}
