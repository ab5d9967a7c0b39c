/**
 * The object manifest (functions/shared/manifest.ts) on objects the writer makes from the recorded
 * Debezium batch (tests/fixtures/debezium): what its footer states is recomputed independently
 * from the rows DuckDB reads back, and every kind of damage verify and the loader look for (a row
 * lost, doubled, an amount changed, an op or LSN changed) shows as a named difference.
 */
import { createHash } from 'node:crypto';
import { parquetMetadata } from 'hyparquet';
import { storeBatch, type ObjectSink, type PutRequest } from '../../../functions/writer';
import {
  MANIFEST_KEY,
  decimalText,
  manifestDifference,
  manifestOfTextRows,
  parseManifest,
  unscaledOf,
  type Manifest,
  type TextRow,
} from '../../../functions/shared/manifest';
import type { ChangeRow } from '../../../functions/shared/rows';
import type { TableName } from '../../../functions/shared/tables';
import { loadRecording } from '../../fixtures/debezium';
import { readParquetRows } from './readParquetWithDuckdb';

const rec = loadRecording();

class MemorySink implements ObjectSink {
  readonly objects = new Map<string, PutRequest>();
  async put(req: PutRequest): Promise<void> {
    this.objects.set(req.key, req);
  }
}

function footerManifest(put: string | Uint8Array): Manifest | null {
  const body = put as Uint8Array;
  const buf = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  const kv = parquetMetadata(buf).key_value_metadata?.find((x) => x.key === MANIFEST_KEY);
  return kv?.value ? parseManifest(kv.value) : null;
}

const MONEY: Partial<Record<TableName, string>> = { accounts: 'balance', transactions: 'amount' };

function textRows(table: TableName, rows: readonly ChangeRow[]): TextRow[] {
  const money = MONEY[table];
  return rows.map((r) => ({
    key: [String(r.id)],
    lsn: String(r._lsn),
    op: String(r._op),
    topic: String(r._kafka_topic),
    partition: Number(r._kafka_partition),
    offset: String(r._kafka_offset),
    money: money ? { [money]: r[money] === null ? null : String(r[money]) } : {},
  }));
}

async function stored(records = rec.records) {
  const sink = new MemorySink();
  await storeBatch(records, { sink, dlqPrefix: '_dlq' });
  return sink;
}

describe('object manifest', () => {
  it("states each recorded object's rows per op, ranges, exact money sums and key hash, as recomputed from its rows", async () => {
    const sink = await stored();
    expect(sink.objects.size).toBeGreaterThan(2);
    for (const [key, put] of sink.objects) {
      const table = key.split('/')[0] as TableName;
      const m = footerManifest(put.body)!;
      expect(m).not.toBeNull();
      const { rows } = await readParquetRows(table, put.body as Uint8Array);
      expect(m.rows).toBe(rows.length);
      for (const op of ['c', 'u', 'd', 'r']) expect(m.ops[op]).toBe(rows.filter((r) => r._op === op).length);
      const lsns = rows.map((r) => r._lsn as bigint).sort((a, b) => (a < b ? -1 : 1));
      expect(m.lsn).toEqual([lsns[0]!.toString(), lsns.at(-1)!.toString()]);
      const offsets = rows.map((r) => r._kafka_offset as bigint);
      expect(m.offsets).toEqual([offsets[0]!.toString(), offsets.at(-1)!.toString()]);
      expect(key).toContain(`+${offsets[0]}-${offsets.at(-1)}.parquet`);
      // Exact: summed in cents from DuckDB's decimal text, never through a float.
      const money = MONEY[table];
      if (money) {
        const cents = rows.reduce((s, r) => s + (r[money] === null ? 0n : BigInt(String(r[money]).replace('.', ''))), 0n);
        expect(m.sums[money]).toBe(decimalText(cents, 2));
      } else expect(m.sums).toEqual({});
      const lines = rows
        .map((r) => ({ id: BigInt(r.id as number | bigint), lsn: r._lsn as bigint, op: String(r._op) }))
        .sort((a, b) =>
          a.id !== b.id ? (a.id < b.id ? -1 : 1) : a.lsn !== b.lsn ? (a.lsn < b.lsn ? -1 : 1) : a.op < b.op ? -1 : 1,
        )
        .map((x) => `${x.id}|${x.lsn}|${x.op}\n`)
        .join('');
      expect(m.hash).toBe(createHash('sha256').update(lines).digest('hex'));
      // What a warehouse reads back (text cells) gives the same manifest.
      expect(manifestDifference(m, manifestOfTextRows(table, textRows(table, rows)))).toBeNull();
    }
  });

  it('does not depend on the order records arrive in', async () => {
    const forward = await stored();
    const backward = await stored([...rec.records].reverse());
    for (const [key, put] of forward.objects)
      expect(footerManifest(backward.objects.get(key)!.body)).toEqual(footerManifest(put.body));
  });

  it('names the difference when a row is lost, doubled, its amount, op or LSN changed', async () => {
    const sink = await stored();
    // The recording's largest transactions object.
    const [key, put] = [...sink.objects]
      .filter(([k]) => k.startsWith('transactions/'))
      .sort((x, y) => (y[1].body as Uint8Array).byteLength - (x[1].body as Uint8Array).byteLength)[0]!;
    const m = footerManifest(put.body)!;
    const { rows } = await readParquetRows('transactions', put.body as Uint8Array);
    const diff = (changed: ChangeRow[]) =>
      manifestDifference(m, manifestOfTextRows('transactions', textRows('transactions', changed)));
    expect(diff(rows.slice(1))).toBe(`rows: manifest ${rows.length}, RAW ${rows.length - 1}`);
    expect(diff([...rows, rows[0]!])).toBe(`rows: manifest ${rows.length}, RAW ${rows.length + 1}`);
    const amount = rows.map((r, i) => (i === 0 ? { ...r, amount: decimalText(unscaledOf(String(r.amount), 2) + 1n, 2) } : r));
    expect(diff(amount)).toMatch(/^sum\(amount\): manifest -?\d+\.\d\d, RAW -?\d+\.\d\d$/);
    const op = rows.map((r, i) => (i === 0 ? { ...r, _op: r._op === 'c' ? 'u' : 'c' } : r));
    expect(diff(op)).toMatch(/^rows with op [cu]: manifest \d+, RAW \d+$/);
    // Two rows' LSNs swapped: counts, sums and ranges agree; only the hash sees it.
    const a = rows[0]!;
    const j = rows.findIndex((r) => r._lsn !== a._lsn && (r.id !== a.id || r._op !== a._op));
    expect(j).toBeGreaterThan(0);
    const b = rows[j]!;
    const swapped: ChangeRow[] = rows.map((r, i) => (i === 0 ? { ...r, _lsn: b._lsn! } : i === j ? { ...r, _lsn: a._lsn! } : r));
    expect(diff(swapped)).toMatch(/^hash of \(key, LSN, op\): manifest [0-9a-f]{64}, RAW [0-9a-f]{64}$/);
    expect(key).toMatch(/^transactions\//);
  });

  it('is stated for a table tables.ts does not declare (no declared key: lines of LSN and op)', async () => {
    // The recorded accounts changes as if captured from an undeclared table: columns from the inline schema.
    const records = rec.records
      .filter((r) => r.topic.endsWith('.accounts'))
      .map((r) => ({ ...r, topic: r.topic.replace(/\.accounts$/, '.loan_risk') }));
    const sink = new MemorySink();
    const result = await storeBatch(records, { sink, dlqPrefix: '_dlq' });
    expect(result.deadLetters).toEqual([]);
    const objects = [...sink.objects.values()];
    expect(objects.length).toBeGreaterThan(0);
    for (const put of objects) {
      const m = footerManifest(put.body)!;
      expect(m).toMatchObject({ table: 'loan_risk', sums: {} });
      expect(m.rows).toBeGreaterThan(0);
    }
  });

  it('is left out on request (objects as written before manifests)', async () => {
    const sink = new MemorySink();
    await storeBatch(rec.records, { sink, dlqPrefix: '_dlq', manifest: false });
    for (const put of sink.objects.values()) expect(footerManifest(put.body)).toBeNull();
  });

  it('keeps decimals exact', () => {
    expect(decimalText(-5n, 2)).toBe('-0.05');
    expect(decimalText(100000000000000000n, 2)).toBe('1000000000000000.00');
    expect(decimalText(7n, 0)).toBe('7');
    expect(unscaledOf('-0.05', 2)).toBe(-5n);
    expect(unscaledOf('12.3', 2)).toBe(1230n);
    expect(unscaledOf('999999999999999.99', 2)).toBe(99999999999999999n);
    expect(() => unscaledOf('1.005', 2)).toThrow(/more than 2 decimals/);
    expect(() => parseManifest('{"v":2}')).toThrow(/version 2/);
  });
});
