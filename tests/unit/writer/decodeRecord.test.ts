import { decodeRecord } from '../../../functions/writer';
import { DecodeError } from '../../../functions/shared/errors';
import type { ChangeRow } from '../../../functions/shared/rows';
import { TABLE_NAMES, tableDef, tableForTopic, type DeclaredTable, type TableName } from '../../../functions/shared/tables';
import { changeEvents, envelopeOf, loadRecording, sourceToRow, withEnvelope } from '../../fixtures/debezium';

const rec = loadRecording();
const events = changeEvents(rec);

function decodeRow(r: (typeof rec.records)[number]): { table: TableName; row: ChangeRow } {
  const d = decodeRecord(r);
  if (d.kind !== 'row') throw new Error(`expected a row at offset ${r.offset}`);
  return d;
}

function tableColumns(row: ChangeRow, table: TableName): ChangeRow {
  return Object.fromEntries(tableDef(table).columns.map((c) => [c.name, row[c.name] ?? null]));
}

describe('decodeRecord on recorded Debezium events', () => {
  it('was recorded with the connector settings the decoder relies on', () => {
    expect(rec.connector['decimal.handling.mode']).toBe('string');
    expect(rec.connector['value.converter.schemas.enable']).toBe('true');
    expect(rec.connector['column.propagate.source.type']).toBe('.*');
    expect(rec.connector['plugin.name']).toBe('pgoutput');
  });

  it.each(TABLE_NAMES)('decodes every %s change to exactly what Postgres returned for it', (table) => {
    const source = rec.source.changes.filter((c) => c.table === table);
    const decoded = events.filter((r) => tableForTopic(r.topic) === table).map(decodeRow);
    expect(source.length).toBeGreaterThanOrEqual(3);
    expect(decoded).toHaveLength(source.length);
    // Topics are partitioned by key: order holds per row, so compare each row's changes in order.
    for (const id of new Set(source.map((c) => c.id))) {
      const mine = source.filter((c) => c.id === id);
      const got = decoded.filter((d) => String(d.row.id) === id);
      expect(got.map((d) => d.row._op)).toEqual(mine.map((c) => c.op));
      got.forEach((d, i) => {
        expect(d.table).toBe(table);
        expect(tableColumns(d.row, table)).toEqual(sourceToRow(table, mine[i]!.row));
      });
    }
  });

  it('carries the CDC metadata: transaction, LSN, commit time and Kafka coordinates', () => {
    const startLsn = BigInt(rec.source.startLsn);
    const byKey = new Map(rec.source.changes.map((c) => [`${c.table}:${c.op}:${c.id}`, c]));
    for (const r of events) {
      const { table, row } = decodeRow(r);
      const src = byKey.get(`${table}:${row._op}:${String(row.id)}`)!;
      // Debezium reports the 32-bit xid; txid_current() adds an epoch above it.
      expect(row._tx_id).toBe(BigInt(src.txid) % 2n ** 32n);
      expect(row._lsn as bigint).toBeGreaterThanOrEqual(startLsn);
      expect(Number(row._source_ts_ms)).toBeGreaterThanOrEqual(rec.source.startMs - 1000);
      expect(Number(row._source_ts_ms)).toBeLessThanOrEqual(rec.source.endMs + 1000);
      expect(row._kafka_topic).toBe(r.topic);
      expect(row._kafka_partition).toBe(r.partition);
      expect(row._kafka_offset).toBe(BigInt(r.offset));
    }
  });

  it('gives rows written in one transaction the same _tx_id, and later ones another', () => {
    const inserts = events.map(decodeRow).filter((d) => d.row._op === 'c');
    const customerTx = inserts.find((d) => d.table === 'customers')!.row._tx_id;
    const accountTx = inserts.filter((d) => d.table === 'accounts').map((d) => d.row._tx_id);
    const txnTx = inserts.filter((d) => d.table === 'transactions').map((d) => d.row._tx_id);
    expect(accountTx).toEqual([customerTx, customerTx]);
    expect(new Set(txnTx).size).toBe(1);
    expect(txnTx[0]).not.toBe(customerTx);
  });

  it('decodes deletes to the before image (REPLICA IDENTITY FULL), not the null after', () => {
    const deletes = events.filter((r) => envelopeOf(r).op === 'd');
    expect(deletes).toHaveLength(rec.source.changes.filter((c) => c.op === 'd').length);
    for (const r of deletes) {
      const env = envelopeOf(r);
      expect(env.after).toBeNull();
      const { table, row } = decodeRow(r);
      const src = rec.source.changes.find((c) => c.op === 'd' && c.table === table && c.id === String(row.id))!;
      expect(tableColumns(row, table)).toEqual(sourceToRow(table as DeclaredTable, src.row));
      expect(row.created_at).not.toBeNull();
    }
  });

  it('skips the tombstone Debezium emits after each delete', () => {
    const tombstones = rec.records.filter((r) => r.value === null);
    expect(tombstones).toHaveLength(rec.source.changes.filter((c) => c.op === 'd').length);
    for (const t of tombstones) {
      expect(decodeRecord(t)).toEqual({ kind: 'tombstone' });
      const del = rec.records.find((r) => r.topic === t.topic && r.partition === t.partition && r.offset === t.offset - 1)!;
      expect(envelopeOf(del).op).toBe('d');
      expect(del.key).toBe(t.key);
    }
  });

  it('decodes snapshot reads (op r) as rows too', () => {
    expect(rec.snapshotSamples.length).toBeGreaterThan(0);
    for (const r of rec.snapshotSamples) {
      const { table, row } = decodeRow(r);
      expect(row._op).toBe('r');
      expect(envelopeOf(r).source).toMatchObject({ snapshot: expect.any(String) });
      for (const col of tableDef(table).columns) if (!col.nullable) expect(row[col.name]).not.toBeNull();
    }
    const rows = rec.snapshotSamples.map(decodeRow);
    expect(rows.map((d) => d.table).sort()).toEqual(['accounts', 'customers', 'transactions']);
    expect(rows.find((d) => d.table === 'accounts')!.row.balance).toBe('9999999999999999.99');
    expect(rows.find((d) => d.table === 'transactions')!.row).toMatchObject({ amount: '0.01', related_account_id: null });
  });

  it('keeps NUMERIC(18,2) exact at its edge and pads the scale', () => {
    const amounts = events
      .map(decodeRow)
      .flatMap((d) => [d.row.amount, d.row.balance])
      .filter((v) => v !== undefined);
    expect(amounts).toContain('9999999999999999.99');
    expect(amounts).toContain('9999999999999999.98');
    expect(amounts).toContain('0.01');
    expect(amounts).toContain('0.00');
    expect(amounts).toContain('1234.50');
    for (const a of amounts) expect(a).toMatch(/^\d{1,16}\.\d{2}$/);
  });

  it('keeps microseconds, whole seconds and instants before 1970 exact', () => {
    const created = events.map(decodeRow).map((d) => d.row.created_at as bigint);
    expect(created).toContain(1795491601123456n); // 2026-11-24T03:40:01.123456Z
    expect(created).toContain(1767225600000000n); // 2026-01-01T00:00:00Z
    expect(created).toContain(1772755199500000n); // 2026-03-05T23:59:59.5Z
    expect(created).toContain(-1n); // 1969-12-31T23:59:59.999999Z
  });

  it('keeps non-ASCII and quoted text byte for byte', () => {
    const names = events
      .map(decodeRow)
      .filter((d) => d.table === 'customers')
      .map((d) => `${String(d.row.first_name)} ${String(d.row.last_name)}`);
    expect(names).toContain('Zoë Ñúñez-😀');
    expect(names).toContain('Zoë O\'Brien "Q"');
  });
});

describe('decodeRecord on values recorded with schemas disabled (older topics)', () => {
  const old = loadRecording('recording-schemaless.json');
  it('was recorded without inline schemas', () => {
    expect(old.connector['value.converter.schemas.enable']).toBe('false');
  });
  it.each(TABLE_NAMES)('decodes every %s change to exactly what Postgres returned for it', (table) => {
    const source = old.source.changes.filter((c) => c.table === table);
    const decoded = changeEvents(old)
      .filter((r) => tableForTopic(r.topic) === table)
      .map(decodeRow);
    expect(decoded.length).toBe(source.length);
    decoded.forEach((d, i) => expect(tableColumns(d.row, table)).toEqual(sourceToRow(table, source[i]!.row)));
  });
});

describe('decodeRecord on malformed records (derived from recorded ones)', () => {
  const txn = events.find((r) => tableForTopic(r.topic) === 'transactions' && envelopeOf(r).op === 'c')!;
  const del = events.find((r) => tableForTopic(r.topic) === 'accounts' && envelopeOf(r).op === 'd')!;
  const after = envelopeOf(txn).after as Record<string, unknown>;
  const corrupt = (patch: Record<string, unknown>, envPatch: Record<string, unknown> = {}) =>
    withEnvelope(txn, { ...envelopeOf(txn), after: { ...after, ...patch }, ...envPatch });

  it.each([
    ['an amount with 3 fraction digits', { amount: '12.345' }, /amount.*more than 2 fraction digits/],
    ['an amount with 17 integer digits', { amount: '10000000000000000.00' }, /amount.*more than 16 integer digits/],
    ['an amount as a JSON number (double mode)', { amount: 12.34 }, /amount.*decimal.handling.mode=string/],
    ['an amount that is not a number', { amount: '12,34' }, /amount.*decimal string/],
    ['an id of the wrong type', { id: '7' }, /column id \(int64\).*integer/],
    ['an int32 out of range', { account_id: 2 ** 31 }, /account_id.*32-bit/],
    ['an id beyond 2^53', { id: 2 ** 53 + 2 }, /id.*2\^53/],
    ['a required column missing', { txn_type: undefined }, /txn_type.*missing from the change event.*renamed or dropped/],
    ['a required column null', { status: null }, /status.*required column is null/],
    ['a text longer than its VARCHAR', { status: 'X'.repeat(21) }, /status.*longer than 20/],
    ['a timestamp that is not ISO-8601', { created_at: '24/11/2026' }, /created_at.*ISO-8601/],
    ['a timestamp as epoch number', { created_at: 1795923601123456 }, /created_at.*ISO-8601/],
    ['an impossible date', { created_at: '2026-02-30T00:00:00Z' }, /created_at.*calendar/],
    ['nanoseconds that would be lost', { created_at: '2026-11-24T03:40:01.123456789Z' }, /created_at.*sub-microsecond/],
    ['an unknown column', { iban: 'DE00' }, /unknown column.*iban/],
  ])('rejects %s with a DecodeError naming the problem', (_what, patch, message) => {
    const bad = corrupt(patch);
    expect(() => decodeRecord(bad)).toThrow(DecodeError);
    expect(() => decodeRecord(bad)).toThrow(message);
  });

  it.each([
    ['an unknown op', { op: 'x' }, /op must be one of/],
    ['no source block', { source: undefined }, /source is missing/],
    ['an LSN beyond 2^53', { source: { ...(envelopeOf(txn).source as object), lsn: 2 ** 60 } }, /source.lsn/],
    ['an insert without after', { after: null }, /without an after image/],
  ])('rejects an envelope with %s', (_what, envPatch, message) => {
    const bad = withEnvelope(txn, { ...envelopeOf(txn), ...envPatch });
    expect(() => decodeRecord(bad)).toThrow(message);
  });

  it('rejects a delete without a before image and says how to fix it', () => {
    const bad = withEnvelope(del, { ...envelopeOf(del), before: null });
    expect(() => decodeRecord(bad)).toThrow(/REPLICA IDENTITY FULL/);
  });

  it('rejects a value that is not JSON, and a topic that is not ours', () => {
    expect(() => decodeRecord({ ...txn, value: Buffer.from('{"op":').toString('base64') })).toThrow(/not JSON/);
    expect(() => decodeRecord({ ...txn, topic: 'banking_server.ledgers' })).toThrow(/carries no table/);
    // A table tables.ts does not declare flows from its inline schema; a schema-less value of one cannot.
    const undeclared = decodeRecord({ ...txn, topic: 'banking_server.public.ledgers' });
    expect(undeclared).toMatchObject({
      kind: 'row',
      table: 'ledgers',
      row: { id: expect.anything(), amount: expect.any(String) },
    });
    const schemaLess = {
      ...txn,
      topic: 'banking_server.public.ledgers',
      value: Buffer.from(JSON.stringify(envelopeOf(txn))).toString('base64'),
    };
    expect(() => decodeRecord(schemaLess)).toThrow(/not declared in .*tables\.ts.*inline/);
  });
});

describe('decodeRecord on other converter settings (derived from recorded ones)', () => {
  const txn = events.find((r) => tableForTopic(r.topic) === 'transactions' && envelopeOf(r).op === 'c')!;

  it('refuses an inline schema that is not a Debezium change-event schema', () => {
    const wrapped = withEnvelope(txn, envelopeOf(txn), { type: 'struct' });
    expect(() => decodeRow(wrapped)).toThrow(/no before\/after struct/);
  });

  it("decodes decimal.handling.mode=precise ({scale, value: base64 two's complement})", () => {
    const precise = (unscaled: bigint, scale: number) => {
      let hex = (unscaled < 0n ? (1n << 128n) + unscaled : unscaled).toString(16);
      if (hex.length % 2) hex = '0' + hex;
      let bytes = Buffer.from(hex, 'hex');
      // Minimal two's complement: drop redundant sign bytes as Java's BigInteger.toByteArray does.
      while (bytes.length > 1 && ((bytes[0] === 0 && bytes[1]! < 0x80) || (bytes[0] === 0xff && bytes[1]! >= 0x80)))
        bytes = bytes.subarray(1);
      if (unscaled >= 0n && bytes[0]! >= 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
      return { scale, value: bytes.toString('base64') };
    };
    const env = envelopeOf(txn);
    const at = (amount: unknown) =>
      decodeRow(withEnvelope(txn, { ...env, after: { ...(env.after as object), amount } })).row.amount;
    expect(at(precise(999999999999999999n, 2))).toBe('9999999999999999.99');
    expect(at(precise(-1n, 2))).toBe('-0.01');
    expect(at(precise(12345n, 1))).toBe('1234.50');
    expect(at(precise(128n, 0))).toBe('128.00');
    expect(at(precise(123450n, 3))).toBe('123.45');
    expect(() => at(precise(12345n, 3))).toThrow(/more than 2 fraction digits/);
  });
});
