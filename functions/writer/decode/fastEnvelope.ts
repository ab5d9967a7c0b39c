/**
 * The envelope from its JSON text without parsing all of it: the connector writes the fields in
 * one order ({"before":…,"after":…,"source":{…},"transaction":…,"op":"c",…}; `transaction` is left
 * out when the connector drops it, connector-config.ts), and more than half
 * of the text is `source`, of which the writer needs three numbers, and the before image of an
 * update, which it does not store. So only the image the row needs goes through JSON.parse, and
 * source.ts_ms, txId and lsn are read as digits.
 *
 * Exact by construction or not at all: in JSON text an unescaped `,"key":` sequence is always a
 * key, and every value read is checked for its shape; anything unexpected returns undefined and
 * the caller parses the whole text (which also gives bad input its precise error).
 */
import type { Envelope, Image } from './envelope';
import { toEnvelope } from './envelope';

/** The integer (or null) after `key` (`"name":`) in `s`, or undefined when it is not a plain integer there. */
function intField(s: string, key: string): number | null | undefined {
  // Keys of one JSON object are unique, and an unescaped `"name":` in JSON text is always a key.
  const at = s.indexOf(key);
  if (at < 0) return undefined;
  let i = at + key.length;
  if (s.charCodeAt(i) === 110 /* n */) {
    return s.startsWith('null', i) && (i + 4 === s.length || s[i + 4] === ',' || s[i + 4] === '}') ? null : undefined;
  }
  let n = 0;
  const start = i;
  for (let c = s.charCodeAt(i); c >= 48 && c <= 57; c = s.charCodeAt(++i)) n = n * 10 + (c - 48);
  if (i === start || i - start > 15 || (i < s.length && s[i] !== ',' && s[i] !== '}')) return undefined;
  return n;
}

function image(text: string): Image | undefined {
  if (text.charCodeAt(0) !== 123 || text.charCodeAt(text.length - 1) !== 125) return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Image) : undefined;
  } catch {
    return undefined;
  }
}

/** Index past a JSON number, `null`, `true`, `false` or escape-free string at `i` in `s`, or -1. */
function scalarEnd(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 34 /* " */) {
    const q = s.indexOf('"', i + 1);
    if (q < 0) return -1;
    for (let j = i + 1; j < q; j++) if (s.charCodeAt(j) === 92 /* \\ */) return -1;
    return q + 1;
  }
  if (c === 110) return s.startsWith('null', i) ? i + 4 : -1;
  if (c === 116) return s.startsWith('true', i) ? i + 4 : -1;
  if (c === 102) return s.startsWith('false', i) ? i + 5 : -1;
  let j = c === 45 /* - */ ? i + 1 : i;
  const digits = j;
  for (let d = s.charCodeAt(j); d >= 48 && d <= 57; d = s.charCodeAt(++j));
  // JSON allows no leading zero (01); a fraction or exponent is left to the full parse.
  return j > digits && (s.charCodeAt(digits) !== 48 || j === digits + 1) ? j : -1;
}

/**
 * Whether `s` from `i` is `,"key":scalar` pairs and then the closing `}` as its last character: the
 * envelope's last fields (its own ts_ms, ts_us, ts_ns), so text cut short or followed by stray bytes
 * is left to the full parse, which refuses it.
 */
function endsFlat(s: string, i: number): boolean {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c === 125 /* } */) return i === s.length - 1;
    if (c !== 44 /* , */ || s.charCodeAt(i + 1) !== 34) return false;
    const k = s.indexOf('":', i + 2);
    if (k < 0) return false;
    for (let j = i + 2; j < k; j++) {
      const kc = s.charCodeAt(j);
      if (kc === 34 || kc === 92) return false;
    }
    i = scalarEnd(s, k + 2);
    if (i < 0) return false;
  }
}

/** Whether `s` between `from` and `to` is `,"transaction":<JSON>` or nothing. */
function transactionOk(s: string, from: number, to: number): boolean {
  if (from === to || (s.startsWith(',"transaction":null', from) && from + 19 === to)) return true;
  try {
    JSON.parse(`{${s.slice(from + 1, to)}}`);
    return true;
  } catch {
    return false;
  }
}

export function fastEnvelope(text: string): Envelope | undefined {
  if (!text.startsWith('{"before":')) return undefined;
  const ps = text.lastIndexOf(',"source":{');
  // `source` holds no object and no key named op or transaction: the first of these ends it.
  const po = ps < 0 ? -1 : text.indexOf(',"op":"', ps);
  if (po < 0 || text[po + 8] !== '"') return undefined;
  const pt = text.indexOf(',"transaction":', ps);
  const end = pt >= 0 && pt < po ? pt : po;
  if (text.charCodeAt(end - 1) !== 125 /* } */) return undefined;
  // What follows `source` must end the text exactly, or the value was cut short or has stray bytes.
  if (!transactionOk(text, end, po) || !endsFlat(text, po + 9)) return undefined;
  const op = text[po + 7]!;
  const source = text.slice(ps + 10, end);
  let before: Image | null = null;
  let after: Image | null = null;
  if (op === 'd') {
    if (!text.startsWith(',"after":null', ps - 13)) return undefined;
    const b = image(text.slice(10, ps - 13));
    if (!b) return undefined;
    before = b;
  } else if (text.startsWith('{"before":null,"after":')) {
    const a = image(text.slice(23, ps));
    if (!a) return undefined;
    after = a;
  } else {
    // An update: the before image (REPLICA IDENTITY FULL) ends at the only `},"after":{` (values are scalars).
    const cut = text.indexOf('},"after":{', 10);
    if (cut < 0 || text.indexOf('},"after":{', cut + 1) >= 0) return undefined;
    const a = image(text.slice(cut + 10, ps));
    if (!a) return undefined;
    after = a;
  }
  const tsMs = intField(source, '"ts_ms":');
  const lsn = intField(source, '"lsn":');
  const txId = intField(source, '"txId":');
  if (typeof tsMs !== 'number' || typeof lsn !== 'number' || txId === undefined) return undefined;
  // The same checks as the full path (op, ranges), on what was read.
  return toEnvelope({ op, before, after, source: { ts_ms: tsMs, lsn, txId } });
}
