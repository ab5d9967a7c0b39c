/**
 * The manifest of a lake object: what it holds, stated by the writer in the object's Parquet
 * key-value metadata (MANIFEST_KEY), checked by the loader against the rows RAW holds for the
 * object once they are inserted, stored in the ledger, and checked again by `npm run verify`.
 *
 * It says: rows per operation, the LSN and Kafka offset ranges, the exact sum of each money
 * (decimal) column of tables.ts, and a sha256 over the sorted (primary key, LSN, op) lines, so a
 * row lost, doubled, swapped or changed in amount shows as a difference naming the object.
 * Everything is computed from exact values (bigint, decimal text): never a float.
 */
import { createHash } from 'node:crypto';
import { CDC_OPS, tableDef, type ColumnDef, type TableName } from './tables';

/** The Parquet key-value metadata key holding the manifest (JSON). */
export const MANIFEST_KEY = 'banking_cdc.manifest';
export const MANIFEST_VERSION = 1;

export interface Manifest {
  v: typeof MANIFEST_VERSION;
  table: TableName;
  topic: string;
  partition: number;
  rows: number;
  /** Rows per Debezium operation (c, u, d, r). */
  ops: Record<string, number>;
  /** Lowest and highest `_lsn`, as decimal text; null for an empty set. */
  lsn: [string, string] | null;
  /** Lowest and highest Kafka offset held. */
  offsets: [string, string] | null;
  /** Exact sum of each money column (non-null values), as decimal text with the column's scale. */
  sums: Record<string, string>;
  /** sha256 (hex) over `key|lsn|op\n` lines sorted by key, then LSN, then op. */
  hash: string;
}

/** Key component: integers compare as numbers, text as text. */
export type KeyValue = number | bigint | string;

/** Columnar input: one array per column, all of the same length. */
export interface ManifestColumns {
  /** One array per key column of the table, in tables.ts's key order. */
  key: ReadonlyArray<readonly KeyValue[]>;
  lsn: readonly bigint[];
  op: readonly string[];
  topic: readonly string[];
  partition: readonly number[];
  offset: readonly bigint[];
  /** Per money column: unscaled values (bigint), null where the row has none. */
  money: Readonly<Record<string, ReadonlyArray<bigint | null>>>;
}

/** The decimal columns of a table (tables.ts) whose sums a manifest carries. */
export function moneyColumns(table: TableName): ColumnDef[] {
  return tableDef(table).columns.filter((c) => c.type === 'decimal');
}

function compareKey(a: KeyValue, b: KeyValue): number {
  if (typeof a === 'string' || typeof b === 'string') {
    const x = String(a);
    const y = String(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Unscaled integer as decimal text with `scale` digits after the point (-1230n, 2 -> "-12.30"). */
export function decimalText(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const whole = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return neg ? `-${whole}` : whole;
}

/** Decimal text ("12.3", "-0.50") to its unscaled integer at `scale`; throws if digits would be lost. */
export function unscaledOf(text: string, scale: number): bigint {
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new TypeError(`not a decimal: ${JSON.stringify(text)}`);
  const frac = m[3] ?? '';
  if (frac.length > scale && /[^0]/.test(frac.slice(scale))) throw new TypeError(`${text} has more than ${scale} decimals`);
  const v = BigInt(`${m[2] || '0'}${frac.slice(0, scale).padEnd(scale, '0')}`);
  return m[1] === '-' ? -v : v;
}

/** The manifest of a set of change rows, given column by column. */
export function buildManifest(table: TableName, c: ManifestColumns): Manifest {
  const n = c.lsn.length;
  const ops: Record<string, number> = Object.fromEntries(CDC_OPS.map((o) => [o, 0]));
  let lsnMin: bigint | undefined;
  let lsnMax: bigint | undefined;
  let offMin: bigint | undefined;
  let offMax: bigint | undefined;
  for (let i = 0; i < n; i++) {
    const op = c.op[i]!;
    ops[op] = (ops[op] ?? 0) + 1;
    const l = c.lsn[i]!;
    if (lsnMin === undefined || l < lsnMin) lsnMin = l;
    if (lsnMax === undefined || l > lsnMax) lsnMax = l;
    const o = c.offset[i]!;
    if (offMin === undefined || o < offMin) offMin = o;
    if (offMax === undefined || o > offMax) offMax = o;
  }
  const sums: Record<string, string> = {};
  for (const col of moneyColumns(table)) {
    const values = c.money[col.name] ?? [];
    let s = 0n;
    for (const v of values) if (v !== null) s += v;
    sums[col.name] = decimalText(s, col.scale ?? 0);
  }
  const order = Array.from({ length: n }, (_, i) => i);
  const keys = c.key;
  order.sort((i, j) => {
    for (const k of keys) {
      const d = compareKey(k[i]!, k[j]!);
      if (d !== 0) return d;
    }
    const a = c.lsn[i]!;
    const b = c.lsn[j]!;
    if (a !== b) return a < b ? -1 : 1;
    const x = c.op[i]!;
    const y = c.op[j]!;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  // One string hashed at once: a hash update per row costs more than the concatenation.
  const lines = new Array<string>(n);
  for (let r = 0; r < n; r++) {
    const i = order[r]!;
    // A table tables.ts does not declare has no declared key: its lines are (LSN, op) alone.
    let key = keys.length ? String(keys[0]![i]) : '';
    for (let k = 1; k < keys.length; k++) key += `,${String(keys[k]![i])}`;
    lines[r] = `${key}|${c.lsn[i]!}|${c.op[i]!}\n`;
  }
  return {
    v: MANIFEST_VERSION,
    table,
    topic: n ? c.topic[0]! : '',
    partition: n ? c.partition[0]! : -1,
    rows: n,
    ops,
    lsn: lsnMin === undefined ? null : [lsnMin.toString(), lsnMax!.toString()],
    offsets: offMin === undefined ? null : [offMin.toString(), offMax!.toString()],
    sums,
    hash: createHash('sha256').update(lines.join('')).digest('hex'),
  };
}

/** The manifest as stored (Parquet metadata, ledger). */
export function manifestText(m: Manifest): string {
  return JSON.stringify(m);
}

/** Parses a stored manifest; throws naming what is wrong with it. */
export function parseManifest(text: string): Manifest {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (err) {
    throw new Error(`manifest is not JSON: ${(err as Error).message}`);
  }
  const o = m as Partial<Manifest> | null;
  if (!o || o.v !== MANIFEST_VERSION) throw new Error(`manifest version ${String(o?.v)} is not ${MANIFEST_VERSION}`);
  if (typeof o.rows !== 'number' || typeof o.hash !== 'string' || !o.ops || !o.sums || typeof o.table !== 'string') {
    throw new Error('manifest lacks rows, ops, sums, hash or table');
  }
  return o as Manifest;
}

/**
 * The first way `actual` (what RAW holds) differs from `expected` (the manifest), as
 * "field: manifest X, RAW Y", or null when they agree.
 */
export function manifestDifference(expected: Manifest, actual: Manifest): string | null {
  const cmp: Array<[string, unknown, unknown]> = [
    ['rows', expected.rows, actual.rows],
    ...CDC_OPS.map((op): [string, unknown, unknown] => [`rows with op ${op}`, expected.ops[op] ?? 0, actual.ops[op] ?? 0]),
    ...Object.keys(expected.sums).map((col): [string, unknown, unknown] => [`sum(${col})`, expected.sums[col], actual.sums[col]]),
    ['LSN range', expected.lsn?.join('-') ?? 'none', actual.lsn?.join('-') ?? 'none'],
    ['Kafka offset range', expected.offsets?.join('-') ?? 'none', actual.offsets?.join('-') ?? 'none'],
  ];
  if (expected.rows > 0 && actual.rows > 0) {
    cmp.push(['topic', expected.topic, actual.topic], ['partition', expected.partition, actual.partition]);
  }
  cmp.push(['hash of (key, LSN, op)', expected.hash, actual.hash]);
  for (const [what, e, a] of cmp) if (e !== a) return `${what}: manifest ${String(e)}, RAW ${String(a)}`;
  return null;
}

/** Rows as a warehouse returns them (text cells) into manifest columns. */
export interface TextRow {
  key: readonly string[];
  lsn: string;
  op: string;
  topic: string;
  partition: string | number;
  offset: string;
  /** Money column -> decimal text or null. */
  money: Readonly<Record<string, string | null>>;
}

export function manifestOfTextRows(table: TableName, rows: readonly TextRow[]): Manifest {
  const def = tableDef(table);
  const keyTypes = def.key.map((k) => def.columns.find((c) => c.name === k)!.type);
  const money = moneyColumns(table);
  return buildManifest(table, {
    key: keyTypes.map((t, k) => rows.map((r) => (t === 'int32' || t === 'int64' ? BigInt(r.key[k]!) : r.key[k]!))),
    lsn: rows.map((r) => BigInt(r.lsn)),
    op: rows.map((r) => r.op),
    topic: rows.map((r) => r.topic),
    partition: rows.map((r) => Number(r.partition)),
    offset: rows.map((r) => BigInt(r.offset)),
    money: Object.fromEntries(
      money.map((c) => [c.name, rows.map((r) => (r.money[c.name] == null ? null : unscaledOf(r.money[c.name]!, c.scale ?? 0)))]),
    ),
  });
}
