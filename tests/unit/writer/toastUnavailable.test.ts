/**
 * Unchanged TOASTed values under REPLICA IDENTITY DEFAULT (issue 24, item 4), from envelopes recorded
 * on the real stack (tests/fixtures/record-toast.ts): accounts with large, incompressible text, bytea,
 * jsonb, text[] and integer[] columns; an insert, two updates of the balance (Debezium sends its
 * placeholder for every TOASTed column), an update of t_text, and a delete. Each change is stored: the
 * placeholders as null with their columns named in `_unavailable_columns`, the values sent exactly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { storeBatch, type ObjectSink, type PutRequest } from '../../../functions/writer';
import type { ColumnDef } from '../../../functions/shared/tables';
import { envelopeOf } from '../../fixtures/debezium';
import { readParquetRows } from './readParquetWithDuckdb';

interface ToastRecording {
  columns: Record<string, string>;
  id: string;
  /** Postgres's to_jsonb(row) after the insert and each update. */
  postgres: string[];
  records: { topic: string; partition: number; offset: number; timestamp: number; key: string | null; value: string | null }[];
}

const rec = JSON.parse(readFileSync(join(__dirname, '../../fixtures/debezium/toast.json'), 'utf8')) as ToastRecording;
const TOAST = Object.keys(rec.columns);
const EXTRA: ColumnDef[] = [
  { name: 't_text', type: 'text', nullable: true },
  { name: 't_bytea', type: 'bytes', nullable: true },
  { name: 't_jsonb', type: 'text', nullable: true },
  { name: 't_text_arr', type: 'text', nullable: true, source: 'json' },
  { name: 't_int_arr', type: 'text', nullable: true, source: 'json' },
];

class MemorySink implements ObjectSink {
  readonly objects = new Map<string, PutRequest>();
  async put(req: PutRequest): Promise<void> {
    this.objects.set(req.key, req);
  }
}

async function stored() {
  const sink = new MemorySink();
  const result = await storeBatch(rec.records, { sink, dlqPrefix: '_dlq', topicPrefix: 'banking_server' });
  const object = result.objects.find((o) => o.table === 'accounts')!;
  const { rows } = await readParquetRows('accounts', Buffer.from(sink.objects.get(object.key)!.body), EXTRA);
  return { result, rows };
}

describe('unchanged TOASTed values (REPLICA IDENTITY DEFAULT), recorded', () => {
  it('the recording holds the placeholder in each TOASTed column of the updates that left them alone', () => {
    const ops = rec.records.map((r) => (r.value === null ? 'tombstone' : envelopeOf(r).op));
    expect(ops).toEqual(['c', 'u', 'u', 'u', 'd']);
    const after = envelopeOf(rec.records[1]!).after as Record<string, unknown>;
    expect(after.t_text).toBe('__debezium_unavailable_value');
    expect(Buffer.from(after.t_bytea as string, 'base64').toString()).toBe('__debezium_unavailable_value');
    expect(after.t_text_arr).toEqual(['__debezium_unavailable_value']);
    expect(Buffer.from(after.t_int_arr as number[]).toString()).toBe('__debezium_unavailable_value');
  });

  it('stores every change, none dead-lettered, the placeholders as null named in _unavailable_columns', async () => {
    const { result, rows } = await stored();
    expect(result.deadLetters).toEqual([]);
    expect(rows.map((r) => r._op)).toEqual(['c', 'u', 'u', 'u', 'd']);
    const marker = rows.map((r) =>
      r._unavailable_columns === null ? null : (JSON.parse(r._unavailable_columns as string) as string[]),
    );
    expect(marker).toEqual([null, TOAST, TOAST, TOAST.filter((c) => c !== 't_text'), null]);
    for (const i of [1, 2]) for (const c of TOAST) expect(rows[i]![c]).toBeNull();
    expect(rows.map((r) => r.balance)).toEqual(['10.00', '11.00', '12.00', '13.00', '0.00']);
  });

  it('keeps every value Debezium did send exactly as Postgres holds it', async () => {
    const { rows } = await stored();
    const pg = rec.postgres.map((t) => JSON.parse(t) as Record<string, unknown>);
    for (const [i, p] of [
      [0, pg[0]!],
      [3, pg[3]!],
    ] as const) {
      expect(rows[i]!.t_text).toBe(p.t_text);
    }
    expect(Buffer.from(rows[0]!.t_bytea as Uint8Array).toString('hex')).toBe((pg[0]!.t_bytea as string).slice(2));
    expect(JSON.parse(rows[0]!.t_jsonb as string)).toEqual(pg[0]!.t_jsonb);
    expect(JSON.parse(rows[0]!.t_text_arr as string)).toEqual(pg[0]!.t_text_arr);
    expect(JSON.parse(rows[0]!.t_int_arr as string)).toEqual(pg[0]!.t_int_arr);
  });
});
