/**
 * Postgres against RAW at one watermark, with nothing paused: a REPEATABLE READ snapshot of the
 * source taken with its WAL insert position, and RAW read as of the transactions that snapshot
 * sees. A transaction is visible iff its xid is below the snapshot's xmax and not among its
 * in-progress xids (Postgres's own rule), so RAW's `_tx_id` (Debezium's xid) selects exactly the
 * changes the snapshot holds; the LSN bounds it too and tells the caller how far Debezium must
 * have streamed before RAW can be complete.
 */
import type { Client } from 'pg';
import type { DuckDBConnection } from '@duckdb/node-api';
import { TABLE_NAMES, TABLES, type DeclaredTable } from '../shared/tables';
import { diffRows, markInWarehouse, sourceColumns, sourceRows, warehouseRows, type TableDiff } from './reconcile';
import type { ReconColumn } from './canonical';
import { verifyManifests, type ManifestMismatch } from './manifests';
import { objectCounts } from './objectCounts';

export interface Watermark {
  /** WAL insert position when the snapshot was taken, as Postgres writes it (e.g. 0/1A2B3C4). */
  lsn: string;
  /** The same, as the integer Debezium puts in `_lsn`. */
  lsnNumber: string;
  /** pg_current_snapshot(): xmin:xmax:xip,... */
  snapshot: string;
}

export interface SourceAtWatermark {
  watermark: Watermark;
  columns: Record<DeclaredTable, ReconColumn[]>;
  rows: Record<DeclaredTable, Map<string, string>>;
}

export function lsnToNumber(lsn: string): bigint {
  const m = /^([0-9A-F]+)\/([0-9A-F]+)$/i.exec(lsn);
  if (!m) throw new Error(`not an LSN: ${JSON.stringify(lsn)}`);
  return (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`);
}

const XID32 = 1n << 32n;

/** Which columns hold a change's LSN and transaction id (RAW's, or a mart's), and the highest LSN taken. */
export interface ChangeColumns {
  lsn?: string;
  tx?: string;
  /** Default: the watermark's LSN. */
  upTo?: string;
}

/**
 * SQL predicate over RAW's columns: the change belongs to a transaction the snapshot sees.
 * Debezium's txId is the 32-bit xid; the snapshot's are 64-bit (epoch << 32 | xid), so the
 * comparison is made within xmax's epoch (an xid epoch turns every ~4 billion transactions).
 */
export function visiblePredicate(w: Watermark, at: ChangeColumns = {}): string {
  const lsn = at.lsn ?? '_lsn';
  const tx = at.tx ?? '_tx_id';
  const [xminText, xmaxText, xipText = ''] = w.snapshot.split(':');
  const xmin = BigInt(xminText!);
  const xmax = BigInt(xmaxText!);
  if (xmin / XID32 !== xmax / XID32) throw new Error(`the snapshot ${w.snapshot} spans an xid epoch boundary; run verify again`);
  const xip = xipText
    .split(',')
    .filter((x) => x !== '')
    .map((x) => (BigInt(x) % XID32).toString());
  const notInProgress = xip.length ? ` AND ${tx} NOT IN (${xip.join(', ')})` : '';
  return `(${lsn} <= ${at.upTo ?? w.lsnNumber} AND (${tx} IS NULL OR (${tx} < ${(xmax % XID32).toString()}${notInProgress})))`;
}

/** Every current row of the source tables in one snapshot, and the snapshot's watermark. */
export async function sourceAtWatermark(pg: Client): Promise<SourceAtWatermark> {
  await pg.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    // The first statement takes the transaction's snapshot; the insert position read in it is at
    // or after every commit record the snapshot sees.
    const w = (
      await pg.query<{ snap: string; lsn: string }>(
        'SELECT pg_current_snapshot()::text AS snap, pg_current_wal_insert_lsn()::text AS lsn',
      )
    ).rows[0]!;
    const columns = {} as Record<DeclaredTable, ReconColumn[]>;
    const rows = {} as Record<DeclaredTable, Map<string, string>>;
    for (const t of TABLE_NAMES) {
      columns[t] = await sourceColumns(pg, t);
      rows[t] = await sourceRows(pg, t, columns[t]);
    }
    return { watermark: { lsn: w.lsn, lsnNumber: lsnToNumber(w.lsn).toString(), snapshot: w.snap }, columns, rows };
  } finally {
    await pg.query('COMMIT');
  }
}

/** Where a RAW row came from: its lake object and Kafka record. */
export interface RowOrigin {
  object: string;
  topic: string;
  partition: number;
  offset: string;
  lsn: string;
  op: string;
}

export interface FirstDifference {
  table: string;
  key: string;
  /** The differing column, or why the whole row differs. */
  column: string;
  source: string;
  warehouse: string;
  /** The RAW change that made the warehouse's value (absent when RAW has no change for the key). */
  origin?: RowOrigin;
}

/** A ledgered object whose rows in RAW are not the count the loader recorded (rows deleted or added since). */
export interface ObjectCountMismatch {
  object: string;
  table: string;
  ledgerRows: number;
  rawRows: number;
}

export interface WatermarkVerification {
  ok: boolean;
  watermark: Watermark;
  tables: Record<DeclaredTable, TableDiff & { rows: number }>;
  /** Kafka records held more than once in RAW. */
  doubled: number;
  objectsChecked: number;
  objectMismatches: ObjectCountMismatch[];
  /** Ledgered objects whose manifest matched what RAW holds for them, those without one, and the rest. */
  manifestsVerified: number;
  manifestsUnverified: number;
  manifestMismatches: ManifestMismatch[];
  first?: FirstDifference;
  /** Exact sum of money in the source minus the warehouse, in cents, over balances and amounts. */
  driftCents: string;
}

const MONEY_COLUMNS: Partial<Record<DeclaredTable, string>> = { accounts: 'balance', transactions: 'amount' };

/** Compare a source snapshot with RAW as of its watermark; also each ledgered object's row count. */
export async function verifyAtWatermark(
  src: SourceAtWatermark,
  db: DuckDBConnection,
  schema = 'raw',
  /** A local copy of a lake object: lets a manifest mismatch name its first differing key and column. */
  objectFile?: (key: string) => Promise<string>,
): Promise<WatermarkVerification> {
  const asOf = visiblePredicate(src.watermark);
  const tables = {} as WatermarkVerification['tables'];
  let first: FirstDifference | undefined;
  let drift = 0n;
  for (const t of TABLE_NAMES) {
    const cols = await markInWarehouse(db, t, src.columns[t], schema);
    const wh = await warehouseRows(db, t, schema, cols, asOf);
    const source = src.rows[t];
    tables[t] = { ...diffRows(source, wh), rows: source.size };
    first ??= await firstDifference(db, t, cols, source, wh, asOf, schema);
    const money = MONEY_COLUMNS[t];
    if (money) drift += cents(sumColumn(source, cols, money)) - cents(sumColumn(wh, cols, money));
  }
  const objectMismatches = await objectCounts(db, schema);
  const objectsChecked = Number((await one(db, `SELECT count(*) FROM ${schema}._loads`)) ?? 0);
  const doubled = Number(await one(db, doubledSql(schema)));
  const manifests = await verifyManifests(db, schema, objectFile);
  const mm = manifests.mismatches[0];
  // A difference the source comparison cannot see (an old change row lost or doubled) still names its object.
  first ??= mm && {
    table: mm.table,
    key: mm.key ?? '(object)',
    column: mm.column ?? `(manifest) ${mm.difference}`,
    source: mm.lake !== undefined ? `lake object: ${mm.lake}` : mm.difference,
    warehouse: mm.warehouse !== undefined ? `RAW: ${mm.warehouse}` : '',
    origin: { object: mm.object, topic: '', partition: -1, offset: mm.offset ?? '', lsn: '', op: '' },
  };
  first ??= objectMismatches[0] && {
    table: objectMismatches[0].table,
    key: '(object)',
    column: '(row count)',
    source: `ledger ${objectMismatches[0].ledgerRows} rows`,
    warehouse: `RAW ${objectMismatches[0].rawRows} rows`,
    origin: { object: objectMismatches[0].object, topic: '', partition: -1, offset: '', lsn: '', op: '' },
  };
  const rowsMatch = TABLE_NAMES.every((t) => tables[t].missing + tables[t].extra + tables[t].different === 0);
  return {
    ok: rowsMatch && objectMismatches.length === 0 && manifests.mismatches.length === 0 && doubled === 0 && drift === 0n,
    watermark: src.watermark,
    tables,
    doubled,
    objectsChecked,
    objectMismatches,
    manifestsVerified: manifests.verified,
    manifestsUnverified: manifests.unverified,
    manifestMismatches: manifests.mismatches,
    ...(first ? { first } : {}),
    driftCents: drift.toString(),
  };
}

async function one(db: DuckDBConnection, sql: string): Promise<unknown> {
  return (await db.runAndReadAll(sql)).getRows()[0]?.[0];
}

function doubledSql(schema: string): string {
  const per = TABLE_NAMES.map(
    (t) => `SELECT count(*) - count(DISTINCT (_kafka_topic, _kafka_partition, _kafka_offset)) AS n FROM ${schema}."${t}"`,
  );
  return `SELECT CAST(coalesce(sum(n), 0) AS BIGINT) FROM (${per.join(' UNION ALL ')})`;
}

/** Exact cents of a decimal's text ("-12.30" -> -1230n). */
function cents(decimal: string): bigint {
  const neg = decimal.startsWith('-');
  const [whole = '0', frac = ''] = decimal.replace('-', '').split('.');
  const v = BigInt(whole) * 100n + BigInt((frac + '00').slice(0, 2));
  return neg ? -v : v;
}

/** Sum of one money column over canonical rows, as exact decimal text. */
function sumColumn(rows: Map<string, string>, cols: readonly ReconColumn[], column: string): string {
  const i = cols.findIndex((c) => c.name === column);
  if (i < 0) return '0';
  let total = 0n;
  for (const r of rows.values()) {
    const v = r.split('|')[i];
    if (v !== undefined && /^-?\d+(\.\d+)?$/.test(v)) total += cents(v);
  }
  const neg = total < 0n;
  const abs = neg ? -total : total;
  return `${neg ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** The first key (in key order) that differs, its first differing column and the RAW change behind it. */
async function firstDifference(
  db: DuckDBConnection,
  table: DeclaredTable,
  cols: readonly ReconColumn[],
  source: Map<string, string>,
  wh: Map<string, string>,
  asOf: string,
  schema: string,
): Promise<FirstDifference | undefined> {
  const keys = [...new Set([...source.keys(), ...wh.keys()])].sort((a, b) =>
    a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0,
  );
  const key = keys.find((k) => source.get(k) !== wh.get(k));
  if (key === undefined) return undefined;
  const s = source.get(key);
  const w = wh.get(key);
  let column = s === undefined ? '(row missing in the source)' : w === undefined ? '(row missing in RAW)' : '(row)';
  if (s !== undefined && w !== undefined) {
    const sv = s.split('|');
    const wv = w.split('|');
    // A value holding '|' makes the split ambiguous: then the whole row is named.
    if (sv.length === cols.length && wv.length === cols.length) {
      const i = sv.findIndex((v, j) => v !== wv[j]);
      if (i >= 0) column = cols[i]!.name;
    }
  }
  const origin = await rawOrigin(db, table, key, asOf, schema);
  return { table, key, column, source: s ?? '', warehouse: w ?? '', ...(origin ? { origin } : {}) };
}

/** The RAW change that made a key's state as of `asOf` (its latest there), by the table's first key column. */
export async function rawOrigin(
  db: DuckDBConnection,
  table: DeclaredTable,
  key: string,
  asOf: string,
  schema: string,
): Promise<RowOrigin | undefined> {
  const reader = await db.runAndReadAll(
    `SELECT _file, _kafka_topic, _kafka_partition, CAST(_kafka_offset AS VARCHAR), CAST(_lsn AS VARCHAR), _op
       FROM ${schema}."${table}" WHERE CAST("${TABLES[table].key[0]!}" AS VARCHAR) = $key AND ${asOf}
      ORDER BY _lsn DESC, _kafka_offset DESC LIMIT 1`,
    { key },
  );
  const o = reader.getRows()[0];
  if (!o) return undefined;
  return {
    object: String(o[0]),
    topic: String(o[1]),
    partition: Number(o[2]),
    offset: String(o[3]),
    lsn: String(o[4]),
    op: String(o[5]),
  };
}
