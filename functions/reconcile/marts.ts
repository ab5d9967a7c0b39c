/**
 * The dbt marts against RAW at a cut (martCut.ts): per mart, every row compared exactly, in every
 * column verify knows (canonical text, money as decimal text), and the first difference named with
 * its mart, key, column and the lake object of the RAW change behind the expected value.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DeclaredTable } from '../shared/tables';
import { martCut, inCut, type MartCut } from './martCut';
import { MART_SPECS, cutColumns, expectedSql, highWaterSql, martSql } from './martSql';
import type { ReconColumn } from './canonical';
import { CUSTOMER_360_COLUMNS, customer360AfterCutSql, customer360ExpectedSql, customer360MartSql } from './customer360';
import { rawOrigin, type RowOrigin, type Watermark } from './watermark';

export interface MartDiff {
  /** Rows compared (RAW's side, at the cut). */
  rows: number;
  missing: number;
  extra: number;
  different: number;
  /** Mart rows whose latest change is after the cut: nothing of the state at the cut left to compare. */
  afterCut: number;
  /** The cut it was compared at (W'). */
  cut: string;
}

export interface MartDifference {
  mart: string;
  key: string;
  /** The differing column, or why the whole row differs. */
  column: string;
  /** RAW's value at the cut, and the mart's. */
  expected: string;
  actual: string;
  origin?: RowOrigin;
}

export interface MartsVerification {
  ok: boolean;
  /** False when no mart has been built on this warehouse yet. */
  built: boolean;
  /** Marts not built yet, or built before they carried the columns a cut needs (rebuild them). */
  notBuilt: string[];
  oldLayout: string[];
  /** Marts built before the marts they are built from (a build stopped midway): not compared. */
  stale: string[];
  /** Per source table, the cut its marts were compared at. */
  cuts: Partial<Record<DeclaredTable, MartCut>>;
  marts: Record<string, MartDiff>;
  first?: MartDifference;
}

/** Rows of the mart against rows RAW says it should hold; keys after the cut are left out. */
export function compareMart(
  expected: ReadonlyMap<string, string>,
  mart: ReadonlyArray<{ k: string; r: string; inCut: boolean }>,
  /** Keys changed after the cut whether or not the mart has a row for them. */
  changedAfter: Iterable<string> = [],
): { diff: Omit<MartDiff, 'cut'>; first?: { key: string; expected?: string; actual?: string; twice?: boolean } } {
  const actual = new Map<string, string>();
  const after = new Set<string>(changedAfter);
  const twice = new Set<string>();
  for (const m of mart) {
    if (!m.inCut) after.add(m.k);
    else if (actual.has(m.k)) twice.add(m.k);
    else actual.set(m.k, m.r);
  }
  // A ledger key is `<transaction>/<leg>`: after the cut when its transaction is.
  const isAfter = (k: string) => after.has(k) || after.has(k.split('/')[0]!);
  const diff = { rows: 0, missing: 0, extra: 0, different: 0, afterCut: after.size };
  const bad: string[] = [];
  for (const [k, r] of expected) {
    if (isAfter(k) && !actual.has(k)) continue;
    diff.rows++;
    const a = actual.get(k);
    if (a === undefined) diff.missing++;
    else if (a !== r || twice.has(k)) diff.different++;
    else continue;
    bad.push(k);
  }
  for (const k of actual.keys())
    if (!expected.has(k)) {
      diff.extra++;
      bad.push(k);
    }
  const key = bad.sort((a, b) => (a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0))[0];
  if (key === undefined) return { diff };
  return { diff, first: { key, expected: expected.get(key), actual: actual.get(key), twice: twice.has(key) } };
}

/** The column where two canonical rows first differ (or why the rows differ as a whole). */
export function differingColumn(columns: readonly ReconColumn[], expected?: string, actual?: string, twice = false): string {
  if (twice) return '(row valid twice at the cut)';
  if (expected === undefined) return '(row not in RAW at the cut)';
  if (actual === undefined) return '(row missing in the mart)';
  const e = expected.split('|');
  const a = actual.split('|');
  if (e.length !== columns.length || a.length !== columns.length) return '(row)';
  const i = e.findIndex((v, j) => v !== a[j]);
  return i >= 0 ? columns[i]!.name : '(row)';
}

async function rows(db: DuckDBConnection, sql: string): Promise<unknown[][]> {
  return (await db.runAndReadAll(sql)).getRows();
}

export async function verifyMarts(db: DuckDBConnection, w: Watermark, schema = 'raw'): Promise<MartsVerification> {
  const found = new Map<string, string>(); // mart -> its schema
  for (const [s, t] of await rows(
    db,
    `SELECT table_schema, table_name FROM information_schema.tables
      WHERE table_name IN (${[...MART_SPECS.map((m) => m.mart), 'customer_360'].map((m) => `'${m}'`).join(', ')}) ORDER BY table_schema DESC`,
  ))
    found.set(String(t), String(s));
  const out: MartsVerification = {
    ok: true,
    built: found.size > 0,
    notBuilt: [],
    oldLayout: [],
    stale: [],
    cuts: {},
    marts: {},
  };
  for (const spec of MART_SPECS) {
    const martsSchema = found.get(spec.mart);
    if (!martsSchema) {
      out.notBuilt.push(spec.mart);
      continue;
    }
    const have = await columnsOf(db, martsSchema, spec.kind === 'ledger' ? 'fact_transactions' : spec.mart);
    if (!cutColumns(spec.kind).every((c) => have.has(c))) {
      out.oldLayout.push(spec.mart);
      continue;
    }
    const cut = (out.cuts[spec.source] ??= await martCut(db, w, spec.source, highWaterSql(spec, martsSchema), schema));
    const inThisCut = (lsn: string, tx: string) => inCut(w, cut, lsn, tx);
    const expected = new Map(
      (await rows(db, expectedSql(spec, inThisCut('_lsn', '_tx_id'), schema))).map((r) => [String(r[0]), String(r[1])]),
    );
    const mart = (await rows(db, martSql(spec, martsSchema, inThisCut))).map((r) => ({
      k: String(r[0]),
      r: String(r[1]),
      inCut: r[2] === true,
    }));
    const { diff, first } = compareMart(expected, mart);
    out.marts[spec.mart] = { ...diff, cut: cut.lsn };
    if (diff.missing + diff.extra + diff.different > 0) out.ok = false;
    if (first && !out.first) {
      out.first = {
        mart: spec.mart,
        key: first.key,
        column: differingColumn(spec.columns, first.expected, first.actual, first.twice),
        expected: first.expected ?? '',
        actual: first.actual ?? '',
        ...(await origin(db, spec.source, first.key.split('/')[0]!, inThisCut('_lsn', '_tx_id'), schema)),
      };
    }
  }
  await verifyCustomer360(db, w, found, out, schema);
  return out;
}

const columnsOf = async (db: DuckDBConnection, schema: string, table: string) =>
  new Set(
    (
      await rows(
        db,
        `SELECT column_name FROM information_schema.columns WHERE table_schema = '${schema}' AND table_name = '${table}'`,
      )
    ).map((r) => String(r[0])),
  );

/** customer_360, when its inputs could be cut and it was built from the marts there now. */
async function verifyCustomer360(
  db: DuckDBConnection,
  w: Watermark,
  found: ReadonlyMap<string, string>,
  out: MartsVerification,
  schema: string,
): Promise<void> {
  const mart = 'customer_360';
  const martsSchema = found.get(mart);
  if (!martsSchema) return void out.notBuilt.push(mart);
  const { customers, accounts, transactions } = out.cuts;
  if (!(await columnsOf(db, martsSchema, mart)).has('inputs_loaded_through') || !customers || !accounts || !transactions)
    return void out.oldLayout.push(mart);
  const m = (t: string) => `${found.get(t)}."${t}"`;
  const current = `(SELECT max(x) FROM (SELECT max(change_loaded_at) AS x FROM ${m('dim_customers')}
      UNION ALL SELECT max(change_loaded_at) FROM ${m('dim_accounts')} UNION ALL SELECT max(last_loaded_at) FROM ${m('fact_transactions')}))`;
  const same = await rows(db, `SELECT (SELECT max(inputs_loaded_through) FROM ${m(mart)}) IS NOT DISTINCT FROM ${current}`);
  if (same[0]?.[0] !== true) return void out.stale.push(mart);
  const cut = (c: MartCut) => (lsn: string, tx: string) => inCut(w, c, lsn, tx);
  const cuts = { customers: cut(customers), accounts: cut(accounts), transactions: cut(transactions) };
  const expected = new Map((await rows(db, customer360ExpectedSql(cuts, schema))).map((r) => [String(r[0]), String(r[1])]));
  const changedAfter = (await rows(db, customer360AfterCutSql(cuts, martsSchema))).map((r) => String(r[0]));
  const later = new Set(changedAfter);
  const actual = (await rows(db, customer360MartSql(martsSchema))).map((r) => ({
    k: String(r[0]),
    r: String(r[1]),
    inCut: !later.has(String(r[0])),
  }));
  const { diff, first } = compareMart(expected, actual, changedAfter);
  out.marts[mart] = { ...diff, cut: "its inputs' cuts" };
  if (diff.missing + diff.extra + diff.different > 0) out.ok = false;
  if (first && !out.first) {
    out.first = {
      mart,
      key: first.key,
      column: differingColumn(CUSTOMER_360_COLUMNS, first.expected, first.actual, first.twice),
      expected: first.expected ?? '',
      actual: first.actual ?? '',
      ...(await origin(db, 'customers', first.key, cuts.customers('_lsn', '_tx_id'), schema)),
    };
  }
}

/** The RAW change behind the expected value of a key (the latest in the cut). */
async function origin(
  db: DuckDBConnection,
  table: DeclaredTable,
  key: string,
  cut: string,
  schema: string,
): Promise<{ origin?: RowOrigin }> {
  const o = await rawOrigin(db, table, key, cut, schema);
  return o ? { origin: o } : {};
}
