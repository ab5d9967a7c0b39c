/**
 * Issue 11 item 2, the writer's side: after ALTER TABLE ... ADD COLUMN upstream, the new columns
 * reach the Parquet with their exact types, with no redeploy and no dead letter; changes that are
 * not additive are dead-lettered with what to do. Built from change events recorded on the real
 * stack right after the ALTERs (tests/fixtures/debezium/evolution.json).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { storeBatch, type ObjectSink, type PutRequest } from '../../../functions/writer';
import { changeColumns, tableForTopic, type TableName } from '../../../functions/shared/tables';
import { envelopeOf, schemaOf, withEnvelope, type LambdaKafkaRecord } from '../../fixtures/debezium';
import { ADDED } from '../../fixtures/schemaEvolution';
import type { SourceChange } from '../../fixtures/sourceChanges';
import { readParquetRows } from './readParquetWithDuckdb';

const evo = JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'debezium', 'evolution.json'), 'utf8')) as {
  changes: SourceChange[];
  records: LambdaKafkaRecord[];
};

class MemorySink implements ObjectSink {
  readonly objects = new Map<string, PutRequest>();
  async put(req: PutRequest): Promise<void> {
    this.objects.set(req.key, req);
  }
}

type Field = { field: string; type: string; parameters?: Record<string, string>; optional?: boolean };

/** The record with its inline schema's before/after fields edited by `edit`, and the image by `image`. */
function editSchema(
  r: LambdaKafkaRecord,
  edit: (fields: Field[]) => Field[],
  image: (img: Record<string, unknown>) => Record<string, unknown>,
) {
  const schema = schemaOf(r) as { fields: { field: string; fields?: Field[] }[] };
  const fields = schema.fields.map((f) =>
    f.field === 'before' || f.field === 'after' ? { ...f, fields: edit(f.fields ?? []) } : f,
  );
  const env = envelopeOf(r);
  const img = (v: unknown) => (v ? image(v as Record<string, unknown>) : v);
  return withEnvelope(r, { ...env, before: img(env.before), after: img(env.after) }, { ...schema, fields });
}

const sourceValue = (table: TableName, v: string | null, type: string) =>
  v === null ? null : type === 'int32' ? Number(v) : type === 'int64' || type === 'timestamptz' ? BigInt(v) : v;

describe('schema evolution: additive changes flow through', () => {
  it('writes every added column after the CDC columns, with its exact type and value, and no dead letter', async () => {
    const sink = new MemorySink();
    const result = await storeBatch(evo.records, { sink, dlqPrefix: '_dlq' });
    expect(result.deadLetters).toEqual([]);
    expect([...new Set(result.objects.map((o) => o.table))].sort()).toEqual(['accounts', 'customers', 'transactions']);
    expect(result.objects.reduce((n, o) => n + o.rows, 0)).toBe(evo.changes.length);
    for (const o of result.objects) {
      const added = ADDED[o.table as keyof typeof ADDED];
      expect(o.extraColumns).toEqual(added.map((c) => c.name));
      const { rows, schema, duckTypes } = await readParquetRows(o.table, sink.objects.get(o.key)!.body as Uint8Array, added);
      expect(schema.slice(1).map((s) => s.name)).toEqual([...changeColumns(o.table), ...added].map((c) => c.name));
      for (const c of added) expect(schema.find((s) => s.name === c.name)!.repetition_type).toBe('OPTIONAL');
      // Topics are partitioned by key: compare each row's changes in order.
      for (const id of new Set(rows.map((r) => String(r.id)))) {
        const source = evo.changes.filter((c) => c.table === o.table && c.id === id);
        const mine = rows.filter((r) => String(r.id) === id);
        expect(mine).toHaveLength(source.length);
        mine.forEach((row, i) => {
          for (const c of added) expect(row[c.name]).toEqual(sourceValue(o.table, source[i]!.row[c.name]!, c.type));
        });
      }
      if (o.table === 'accounts') {
        expect(duckTypes).toMatchObject({
          credit_limit: 'DECIMAL(18,2)',
          reviewed_at: 'TIMESTAMP WITH TIME ZONE',
          branch: 'VARCHAR',
        });
        expect(rows).toContainEqual(
          expect.objectContaining({ credit_limit: '9999999999999999.99', reviewed_at: -59029905599999999n, branch: 'AB12' }),
        );
      }
      if (o.table === 'customers') expect(duckTypes).toMatchObject({ nickname: 'VARCHAR', loyalty_points: 'INTEGER' });
      if (o.table === 'transactions') expect(rows[0]!.reference_no).toBe(9007199254740991n);
    }
  });

  it('puts rows written before and after the ALTER in one object, the older ones null in the new columns', async () => {
    const accounts = evo.records.filter((r) => tableForTopic(r.topic) === 'accounts');
    const names = new Set(ADDED.accounts.map((c) => c.name));
    const older = editSchema(
      accounts[0]!,
      (fs) => fs.filter((f) => !names.has(f.field)),
      (img) => Object.fromEntries(Object.entries(img).filter(([k]) => !names.has(k))),
    );
    const sink = new MemorySink();
    // The same change again after the ALTER (a later offset of the same partition).
    const newer = { ...accounts[0]!, offset: accounts[0]!.offset + 1000 };
    const result = await storeBatch([older, newer], { sink, dlqPrefix: '_dlq' });
    expect(result.deadLetters).toEqual([]);
    expect(result.objects).toHaveLength(1);
    const { rows } = await readParquetRows(
      'accounts',
      sink.objects.get(result.objects[0]!.key)!.body as Uint8Array,
      ADDED.accounts,
    );
    expect(rows.map((r) => r.credit_limit)).toEqual([
      null,
      (envelopeOf(accounts[0]!).after as { credit_limit: string }).credit_limit,
    ]);
    expect(rows[1]!.credit_limit).not.toBeNull();
  });
});

describe('schema evolution: changes that are not additive are dead-lettered with what to do', () => {
  const acct = evo.records.find((r) => tableForTopic(r.topic) === 'accounts')!;
  const dead = async (r: LambdaKafkaRecord) => {
    const result = await storeBatch([r], { sink: new MemorySink(), dlqPrefix: '_dlq' });
    expect(result.objects).toEqual([]);
    expect(result.deadLetters).toHaveLength(1);
    return result.deadLetters[0]!.error;
  };
  const param = (f: Field, p: Record<string, string>) => ({ ...f, parameters: { ...f.parameters, ...p } });

  it('a known column of another type (balance NUMERIC(16,4))', async () => {
    const r = editSchema(
      acct,
      (fs) =>
        fs.map((f) =>
          f.field === 'balance'
            ? param(f, { '__debezium.source.column.length': '16', '__debezium.source.column.scale': '4' })
            : f,
        ),
      (img) => img,
    );
    expect(await dead(r)).toMatch(
      /balance changed type.*numeric\(18,2\).*numeric\(16,4\).*functions\/shared\/tables\.ts.*dlq -- replay/,
    );
  });

  it('a known NOT NULL column dropped (status)', async () => {
    const r = editSchema(
      acct,
      (fs) => fs.filter((f) => f.field !== 'status'),
      (img) => Object.fromEntries(Object.entries(img).filter(([k]) => k !== 'status')),
    );
    expect(await dead(r)).toMatch(/status of accounts were renamed or dropped.*functions\/shared\/tables\.ts/);
  });

  it('a new column of a type the writer cannot store exactly (NUMERIC beyond 38 digits, INTERVAL as approximate micros)', async () => {
    const numeric = editSchema(
      acct,
      (fs) => fs.map((f) => (f.field === 'credit_limit' ? param(f, { '__debezium.source.column.length': '40' }) : f)),
      (img) => img,
    );
    expect(await dead(numeric)).toMatch(/new column credit_limit cannot be stored exactly: NUMERIC\(40\) exceeds the 38 digits/);
    const interval = editSchema(
      acct,
      (fs) => [...fs, { field: 'grace', type: 'int64', optional: true, name: 'io.debezium.time.MicroDuration' } as Field],
      (img) => ({ ...img, grace: 1 }),
    );
    expect(await dead(interval)).toMatch(/new column grace cannot be stored exactly.*interval\.handling\.mode=string/);
  });
});
