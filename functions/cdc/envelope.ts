/**
 * The Debezium change-event envelope as JsonConverter writes it with schemas disabled:
 * {before, after, source: {lsn, ts_ms, txId, ...}, op, ts_ms}. A value written with schemas
 * enabled ({schema, payload}) is unwrapped too, so flipping that converter setting loses nothing.
 */
import { DecodeError } from '../shared/errors';
import { CDC_OPS, type CdcOp } from '../shared/tables';

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
    throw new DecodeError(`envelope.${field} must be an exact integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Parse the UTF-8 JSON text of a Kafka value into an envelope; DecodeError says what is wrong. */
export function parseEnvelope(json: string): Envelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new DecodeError(`value is not JSON: ${(err as Error).message}`);
  }
  if (isObject(parsed) && 'payload' in parsed && 'schema' in parsed) parsed = parsed.payload;
  if (!isObject(parsed)) throw new DecodeError('value is not a Debezium envelope object');

  const op = parsed.op;
  if (typeof op !== 'string' || !(CDC_OPS as readonly string[]).includes(op)) {
    throw new DecodeError(`envelope.op must be one of ${CDC_OPS.join(', ')}, got ${JSON.stringify(op)}`);
  }
  const source = parsed.source;
  if (!isObject(source)) throw new DecodeError('envelope.source is missing');
  const txId = source.txId;
  return {
    op: op as CdcOp,
    before: image(parsed.before, 'before'),
    after: image(parsed.after, 'after'),
    lsn: safeInteger(source.lsn, 'source.lsn'),
    sourceTsMs: safeInteger(source.ts_ms, 'source.ts_ms'),
    txId: txId === null || txId === undefined ? null : safeInteger(txId, 'source.txId'),
  };
}
