/**
 * A Kafka value (base64, as Lambda delivers it) to its parsed envelope and, when the converter
 * writes schemas inline (`{"schema":<S>,"payload":<P>}`), the exact text of <S>.
 *
 * Every record of a topic carries the same schema text until the table changes, so the reader
 * caches, per topic, the base64 of that prefix: a record whose base64 starts with it needs only its
 * tail decoded and only the payload parsed. The steady-state cost of inline schemas is then one
 * string prefix compare, not a base64 decode and JSON.parse of several kilobytes.
 *
 * Bytes that are not valid UTF-8 are refused (Buffer#toString would turn them into U+FFFD).
 */
import { isUtf8 } from 'node:buffer';
import { DecodeError } from '../../shared/errors';
import { jsonErrorPosition } from './valueless';

export interface ReadValue<S> {
  /** What `build` made of the inline schema; null when the value has no inline schema. */
  schema: S | null;
  /** The envelope's JSON text, when it is at hand (callers may parse only part of it)... */
  text?: string;
  /** ...or the envelope already parsed. */
  payload?: unknown;
}

interface Prefix<S> {
  /** base64 of the first 3k bytes of `{"schema":<S>,"payload":` (base64 is aligned on 3 bytes). */
  b64: string;
  /** The remaining 0-2 prefix bytes, at the start of the decoded tail. */
  rest: Buffer;
  schema: S;
}

const OPEN = '{"schema":';
const PAYLOAD = ',"payload":';
/** Schemas kept per topic: the current one and a few earlier ones (a batch can straddle an ALTER). */
const KEEP = 4;

function text(bytes: Buffer): string {
  if (!isUtf8(bytes)) throw new DecodeError('value is not valid UTF-8');
  return bytes.toString('utf8');
}

export function parseJson(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch (err) {
    throw new DecodeError(`value is not JSON: ${jsonErrorPosition(err)}`);
  }
}

/** Index just past the JSON value starting at `from` (an object), or -1: strings and escapes aware. */
export function endOfJsonObject(s: string, from: number): number {
  if (s.charCodeAt(from) !== 123) return -1;
  let depth = 0;
  let inString = false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

export class ValueReader<S> {
  private readonly prefixes = new Map<string, Prefix<S>[]>();

  /** `build` turns a topic's schema text into what callers need; it should not throw, so it is cached. */
  constructor(private readonly build: (topic: string, schemaText: string) => S) {}

  read(topic: string, base64: string): ReadValue<S> {
    const known = this.prefixes.get(topic);
    if (known) {
      for (const p of known) {
        // substring + === is a memcmp in V8; startsWith compares char by char (30x slower here).
        if (base64.substring(0, p.b64.length) !== p.b64) continue;
        const tail = Buffer.from(base64.slice(p.b64.length), 'base64');
        if (tail.length <= p.rest.length || !tail.subarray(0, p.rest.length).equals(p.rest)) continue;
        if (tail[tail.length - 1] !== 125) throw new DecodeError('value with an inline schema does not end with }');
        return { schema: p.schema, text: text(tail.subarray(p.rest.length, tail.length - 1)) };
      }
    }
    const bytes = Buffer.from(base64, 'base64');
    const json = text(bytes);
    if (!json.startsWith(OPEN)) {
      if (json.startsWith('{"before":')) return { schema: null, text: json };
      const parsed = parseJson(json);
      // {schema, payload} in another key order: correct, but not cacheable by prefix.
      if (parsed !== null && typeof parsed === 'object' && 'schema' in parsed && 'payload' in parsed) {
        const { schema, payload } = parsed as { schema: unknown; payload: unknown };
        return { schema: this.build(topic, JSON.stringify(schema)), payload };
      }
      return { schema: null, payload: parsed };
    }
    const end = endOfJsonObject(json, OPEN.length);
    if (end < 0 || !json.startsWith(PAYLOAD, end) || !json.endsWith('}')) {
      throw new DecodeError('value starts like {"schema":...,"payload":...} but is not');
    }
    const schemaText = json.slice(OPEN.length, end);
    const schema = this.build(topic, schemaText);
    this.remember(topic, Buffer.byteLength(json.slice(0, end + PAYLOAD.length)), bytes, schema);
    return { schema, text: json.slice(end + PAYLOAD.length, -1) };
  }

  private remember(topic: string, prefixBytes: number, bytes: Buffer, schema: S): void {
    const aligned = prefixBytes - (prefixBytes % 3);
    const entry: Prefix<S> = {
      b64: bytes.subarray(0, aligned).toString('base64'),
      rest: Buffer.from(bytes.subarray(aligned, prefixBytes)),
      schema,
    };
    const list = this.prefixes.get(topic) ?? [];
    this.prefixes.set(topic, [entry, ...list.filter((p) => p.b64 !== entry.b64 || !p.rest.equals(entry.rest))].slice(0, KEEP));
  }
}
