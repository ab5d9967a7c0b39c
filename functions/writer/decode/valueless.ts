/**
 * Descriptions of bad input that carry none of it. A DecodeError's message is the dead letter's
 * reason and is logged; a value is customer data, so reasons say what kind of value came and
 * where, never what it says (the dead letter keeps the whole record, in the bucket).
 */

/** What a value is, without what it says: its JSON type, and a string's length. */
export function describeValue(raw: unknown): string {
  if (raw === null) return 'null';
  if (Array.isArray(raw)) return 'an array';
  if (typeof raw === 'string') return `a string of ${[...raw].length} characters`;
  if (typeof raw === 'number') return Number.isInteger(raw) ? 'an integer' : 'a non-integer number';
  if (typeof raw === 'object') return 'an object';
  return raw === undefined ? 'nothing' : `a ${typeof raw}`;
}

/**
 * Where JSON.parse gave up, without its message: V8 quotes the text around the error
 * (`Unexpected token 'x', "...name": "Jo..." is not valid JSON`).
 */
export function jsonErrorPosition(err: unknown): string {
  const at = /position (\d+)/.exec(err instanceof Error ? err.message : '');
  return at ? `syntax error at character ${at[1]}` : 'syntax error';
}
