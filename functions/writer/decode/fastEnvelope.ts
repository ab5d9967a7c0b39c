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

export function fastEnvelope(text: string): Envelope | undefined {
  if (!text.startsWith('{"before":')) return undefined;
  const ps = text.lastIndexOf(',"source":{');
  // `source` holds no object and no key named op or transaction: the first of these ends it.
  const po = ps < 0 ? -1 : text.indexOf(',"op":"', ps);
  if (po < 0 || text[po + 8] !== '"') return undefined;
  const pt = text.indexOf(',"transaction":', ps);
  const end = pt >= 0 && pt < po ? pt : po;
  if (text.charCodeAt(end - 1) !== 125 /* } */) return undefined;
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
