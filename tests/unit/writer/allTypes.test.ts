/**
 * Issue 24 item 1: every common Postgres type, in a column added at run time, stored exactly from
 * the change event through Parquet into RAW (DuckDB), and typed as README's table says in each
 * layer. The events were recorded on the real stack (tests/fixtures/record-types.ts) with rows of
 * edge values, and carry Postgres's own text of each value: each RAW value is compared with it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { duckdbWarehouse } from '../../../functions/loader/duckdbWarehouse';
import { loadObjects } from '../../../functions/loader/loader';
import { snowflakeColumnType, lakeColumns } from '../../../functions/loader/parquetColumns';
import { storeBatch, type PutRequest } from '../../../functions/writer';
import { parquetMetadata } from 'hyparquet';
import { parseIsoMicros } from '../../../functions/writer/decode/isoTimestamp';
import { RAW_TYPES as EXPECTED } from '../../fixtures/allTypes';
import type { LambdaKafkaRecord } from '../../fixtures/debezium';
import { memoryStore, recordingLog, scratchWarehouse, withDuckdb } from '../loader/fixtures';

const fx = JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'debezium', 'types.json'), 'utf8')) as {
  columns: Record<string, string>;
  ids: string[];
  postgres: Record<string, Record<string, string | null>>;
  intervalsRoundTrip: boolean;
  records: LambdaKafkaRecord[];
};

const q = (n: string) => `"${n.replace(/"/g, '""')}"`;

/** A float as DuckDB or Postgres prints it, to its number (nan, inf: DuckDB; NaN, Infinity: Postgres). */
const floatOf = (s: string) => Number({ nan: 'NaN', inf: 'Infinity', '-inf': '-Infinity' }[s] ?? s);

/** A JSON array (the lake's text) as Postgres prints the array. */
function pgArray(items: unknown[]): string {
  const item = (v: unknown): string => {
    if (v === null) return 'NULL';
    if (Array.isArray(v)) return pgArray(v);
    const s = String(v);
    return s === '' || /[\s{},"\\]/.test(s) || /^null$/i.test(s) ? `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"` : s;
  };
  return `{${items.map(item).join(',')}}`;
}

/** Each row's INTERVAL as Debezium wrote it last (ISO 8601; Postgres read each back as equal when recorded). */
const intervals = new Map<string, unknown>();
for (const r of fx.records) {
  const after = (JSON.parse(Buffer.from(r.value!, 'base64').toString('utf8')) as { payload: { after: Record<string, unknown> } })
    .payload.after;
  intervals.set(String(after.id), after.c_interval);
}

/** RAW's value (DuckDB's text of it) against Postgres's text, per column kind. */
function same(col: string, raw: string | null, pg: string | null, id: string): boolean {
  if (col === 'c_interval') return raw === intervals.get(id) && (raw === null) === (pg === null);
  if (raw === null || pg === null) return raw === pg;
  if (col === 'c_real') return Object.is(Math.fround(floatOf(raw)), Math.fround(floatOf(pg)));
  if (col === 'c_double') return Object.is(floatOf(raw), floatOf(pg));
  if (col === 'c_bytea') return `\\x${raw.toLowerCase()}` === pg;
  if (col === 'c_int_arr' || col === 'c_text_arr') return pgArray(JSON.parse(raw) as unknown[]) === pg;
  if (col === 'c_char') return raw.replace(/ +$/, '') === pg;
  if (col === 'c_tstz') {
    const p = parseIsoMicros(pg.replace(' ', 'T').replace(/\+00$/, 'Z'));
    return p.ok && String(p.micros) === raw;
  }
  return raw === pg;
}

describe('every Postgres type reaches RAW exactly (recorded on the real stack)', () => {
  const tmp = scratchWarehouse('wh-types-');
  let objects: Map<string, Uint8Array>;
  let keys: string[];

  beforeAll(async () => {
    const puts: PutRequest[] = [];
    const result = await storeBatch(fx.records, { sink: { put: async (r) => void puts.push(r) }, dlqPrefix: '_dlq' });
    expect(result.deadLetters).toEqual([]);
    objects = new Map(puts.map((p) => [`banking-data/${p.key}`, p.body as Uint8Array]));
    keys = result.objects.map((o) => o.key);
  });

  it('the lake object carries each column under its own name with its type', () => {
    const body = [...objects.values()][0]!;
    const meta = parquetMetadata(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer);
    const { columns, problems } = lakeColumns(meta.schema as never);
    expect(problems).toEqual([]);
    const snowflake = Object.fromEntries(
      columns.filter((c) => c.name in EXPECTED).map((c) => [c.name, snowflakeColumnType(c.type)]),
    );
    expect(snowflake).toEqual(Object.fromEntries(Object.entries(EXPECTED).map(([n, t]) => [n, t[1]])));
  });

  it('RAW gains each column with its type and holds every value as Postgres has it', async () => {
    const log = recordingLog();
    const warehouse = duckdbWarehouse({ path: tmp.dbPath, log, lock: { timeoutMs: 5_000 } });
    const report = await loadObjects(
      keys.map((key) => ({ bucket: 'banking-data', key })),
      { warehouse, store: memoryStore(objects), log },
    );
    expect(report).toMatchObject({ failed: 0, rows: fx.records.length });
    const names = Object.keys(EXPECTED);
    const types = await withDuckdb(tmp.dbPath, (sql) =>
      sql(`SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = 'accounts'`),
    );
    const typeOf = Object.fromEntries(types.map((t) => [t.column_name as string, t.data_type as string]));
    expect(Object.fromEntries(names.map((n) => [n, typeOf[n]]))).toEqual(
      Object.fromEntries(names.map((n) => [n, EXPECTED[n]![0]])),
    );

    const select = names
      .map((n) =>
        n === 'c_tstz'
          ? `CAST(epoch_us(${q(n)}) AS VARCHAR) AS ${q(n)}`
          : n === 'c_bytea'
            ? `hex(${q(n)}) AS ${q(n)}`
            : `CAST(${q(n)} AS VARCHAR) AS ${q(n)}`,
      )
      .join(', ');
    // The latest change of each row: what Postgres holds now.
    const rows = await withDuckdb(tmp.dbPath, (sql) =>
      sql(
        `SELECT CAST(id AS VARCHAR) AS id, ${select} FROM raw.accounts QUALIFY row_number() OVER (PARTITION BY id ORDER BY _lsn DESC) = 1`,
      ),
    );
    expect(rows.map((r) => r.id).sort()).toEqual([...fx.ids].sort());
    const wrong: string[] = [];
    for (const r of rows) {
      const pg = fx.postgres[r.id as string]!;
      for (const n of names)
        if (!same(n, r[n] as string | null, pg[n] ?? null, r.id as string))
          wrong.push(`${n} of ${String(r.id)}: RAW ${String(r[n])}, Postgres ${pg[n]}`);
    }
    expect(wrong).toEqual([]);
    expect(fx.intervalsRoundTrip).toBe(true);
  });
});

describe('a value a target cannot hold exactly is dead-lettered with the reason', () => {
  /** The recorded event of the first row with `after` edited (and, if given, its inline schema's field). */
  function edited(edit: Record<string, unknown>, field?: { name: string; to: Record<string, unknown> }): LambdaKafkaRecord {
    const r = fx.records[0]!;
    const v = JSON.parse(Buffer.from(r.value!, 'base64').toString('utf8')) as {
      schema: { fields: { field: string; fields?: Record<string, unknown>[] }[] };
      payload: { after: Record<string, unknown> };
    };
    Object.assign(v.payload.after, edit);
    if (field) {
      for (const f of v.schema.fields) {
        if (f.field === 'before' || f.field === 'after')
          f.fields = f.fields!.map((c) => (c.field === field.name ? { ...c, ...field.to } : c));
      }
    }
    return { ...r, value: Buffer.from(JSON.stringify(v), 'utf8').toString('base64') };
  }
  async function reasonFor(r: LambdaKafkaRecord): Promise<string | undefined> {
    const result = await storeBatch([r], { sink: { put: async () => undefined }, dlqPrefix: '_dlq' });
    return result.deadLetters[0]?.error;
  }

  it.each([
    ['a NUMERIC(38,10) NaN', { c_num38: 'NaN' }, /c_num38.*expected a decimal string/],
    ['a TIMESTAMP beyond 2^53 microseconds (JSON rounds it)', { c_ts: 9007199254740993 }, /c_ts.*beyond 2\^53/],
    ['a REAL beyond float32', { c_real: 1e39 }, /c_real.*32-bit float/],
    ['a TIME past 24:00', { c_time: 86_400_000_001 }, /c_time.*out of range/],
    ['an integer array element beyond 2^53', { c_int_arr: [9007199254740993] }, /c_int_arr.*beyond 2\^53/],
    ['bytes that are not base64', { c_bytea: 'AP8' }, /c_bytea.*base64/],
  ])('%s', async (_what, edit, reason) => {
    expect(await reasonFor(edited(edit))).toMatch(reason);
  });

  it('an int4 widened to int8 upstream: values that fit stay in the same column, others are dead-lettered', async () => {
    const widened = { name: 'customer_id', to: { type: 'int64' } };
    const fits = edited({ customer_id: 2_147_483_647 }, widened);
    const puts: PutRequest[] = [];
    const ok = await storeBatch([fits], { sink: { put: async (p) => void puts.push(p) }, dlqPrefix: '_dlq' });
    expect(ok.deadLetters).toEqual([]);
    expect(ok.objects).toHaveLength(1);
    expect(await reasonFor(edited({ customer_id: 2_147_483_648 }, widened))).toMatch(
      /customer_id \(int32\): expected a 32-bit integer/,
    );
  });

  it('a numeric(18,2) widened to numeric(20,2): values that fit stay, a wider one is dead-lettered', async () => {
    const widened = {
      name: 'balance',
      to: {
        parameters: {
          '__debezium.source.column.type': 'NUMERIC',
          '__debezium.source.column.length': '20',
          '__debezium.source.column.scale': '2',
        },
      },
    };
    expect(await reasonFor(edited({ balance: '9999999999999999.99' }, widened))).toBeUndefined();
    expect(await reasonFor(edited({ balance: '100000000000000000.00' }, widened))).toMatch(
      /balance.*more than 16 integer digits/,
    );
  });
});
