/**
 * The connector's slim inline schemas (infra/local/stack/debezium/connector-config.ts): Postgres types only on
 * string-typed fields (datatype.propagate.source.type) and no transaction/ts_us/ts_ns in the
 * envelope. Recorded events (full propagation), rewritten as the slim connector writes them (the
 * live stack's output was checked to have exactly this shape), must decode to the same rows, by the
 * fast path too.
 */
import { decodeRecord } from '../../../functions/writer';
import { fastEnvelope } from '../../../functions/writer/decode/fastEnvelope';
import { PROPAGATED_SOURCE_TYPES } from '../../../infra/local/stack/debezium/connector-config';
import { changeEvents, loadRecording } from '../../fixtures/debezium';

const rec = loadRecording();
const events = changeEvents(rec);
const DROPPED = ['transaction', 'ts_us', 'ts_ns'];

interface Field {
  field: string;
  type: string;
  parameters?: Record<string, string>;
  fields?: Field[];
}

function slimValue(base64: string): string {
  const v = JSON.parse(Buffer.from(base64, 'base64').toString('utf8')) as {
    schema: { fields: Field[] };
    payload: Record<string, unknown>;
  };
  v.schema.fields = v.schema.fields.filter((f) => !DROPPED.includes(f.field));
  for (const image of v.schema.fields.filter((f) => f.field === 'before' || f.field === 'after')) {
    for (const f of image.fields ?? []) {
      const type = f.parameters?.['__debezium.source.column.type'];
      if (type !== undefined && !PROPAGATED_SOURCE_TYPES.includes(type)) delete f.parameters;
    }
  }
  for (const k of DROPPED) delete v.payload[k];
  return JSON.stringify(v);
}

const slim = events.map((r) => ({ ...r, value: Buffer.from(slimValue(r.value!), 'utf8').toString('base64') }));

test('the slim values are smaller and lost only what the writer does not read', () => {
  const bytes = (rs: typeof events) => rs.reduce((n, r) => n + Buffer.from(r.value!, 'base64').length, 0);
  expect(bytes(slim)).toBeLessThan(0.8 * bytes(events));
  const text = Buffer.from(slim[0]!.value, 'base64').toString('utf8');
  expect(text).not.toContain('"transaction"');
  expect(text).toContain('"__debezium.source.column.type":"NUMERIC"');
});

test('every recorded change decodes to the same row from its slim value', () => {
  expect(slim.length).toBeGreaterThan(5);
  slim.forEach((r, i) => {
    expect(decodeRecord(r)).toEqual(decodeRecord(events[i]!));
  });
});

test('the fast envelope path reads slim payloads (no transaction field) exactly', () => {
  for (const r of slim) {
    const payload = JSON.stringify((JSON.parse(Buffer.from(r.value, 'base64').toString('utf8')) as { payload: unknown }).payload);
    const fast = fastEnvelope(payload);
    expect(fast).toBeDefined();
    const full = JSON.parse(payload) as { op: string; source: { ts_ms: number; lsn: number; txId: number } };
    expect(fast!.op).toBe(full.op);
    expect(fast).toMatchObject({ sourceTsMs: full.source.ts_ms, lsn: full.source.lsn, txId: full.source.txId });
  }
});
