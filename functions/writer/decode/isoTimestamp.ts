/**
 * Debezium's ZonedTimestamp (ISO-8601, 0-9 fraction digits, 'Z' or an offset) to microseconds
 * since the epoch, UTC. Calendar arithmetic is done here, not with Date.UTC, which maps the years
 * 0-99 to 1900-1999. Returns a reason string instead of throwing, so the caller names the column.
 */

function num(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

export type Parsed = { ok: true; micros: bigint } | { ok: false; why: string };

const SHAPE = 'expected an ISO-8601 timestamp like 2026-11-24T03:40:01.123456Z';

export function parseIsoMicros(s: string): Parsed {
  // YYYY-MM-DDTHH:MM:SS then [.f{1,9}] then Z | +hh:mm | -hh:mm
  if (s.length < 20 || s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':') {
    return { ok: false, why: SHAPE };
  }
  const year = num(s, 0, 4);
  const month = num(s, 5, 7);
  const day = num(s, 8, 10);
  const hour = num(s, 11, 13);
  const minute = num(s, 14, 16);
  const second = num(s, 17, 19);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return { ok: false, why: SHAPE };
  let i = 19;
  let micros = 0;
  if (s[i] === '.') {
    const start = ++i;
    while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    const digits = i - start;
    if (digits < 1 || digits > 9) return { ok: false, why: SHAPE };
    if (digits > 6 && num(s, start + 6, i) !== 0) return { ok: false, why: 'sub-microsecond precision would be lost' };
    micros = num(s, start, start + Math.min(digits, 6)) * 10 ** (6 - Math.min(digits, 6));
  }
  let offsetMinutes = 0;
  if (s[i] === 'Z' && i + 1 === s.length) {
    // UTC, what Debezium emits
  } else if ((s[i] === '+' || s[i] === '-') && i + 6 === s.length && s[i + 3] === ':') {
    const oh = num(s, i + 1, i + 3);
    const om = num(s, i + 4, i + 6);
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return { ok: false, why: SHAPE };
    offsetMinutes = (s[i] === '-' ? -1 : 1) * (oh * 60 + om);
  } else {
    return { ok: false, why: SHAPE };
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    return { ok: false, why: 'not a valid calendar instant' };
  }
  const seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60;
  return { ok: true, micros: BigInt(seconds) * 1_000_000n + BigInt(micros) };
}
