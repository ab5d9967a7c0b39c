import { groupChanges, type TableRow } from '../../../functions/writer';
import type { ChangeRow } from '../../../functions/shared/rows';
import { decodedFixtureRows } from './decodedFixtureRows';

const fixtures = decodedFixtureRows();
const DAY_MS = 86_400_000n;

function tagged(): TableRow[] {
  return (['customers', 'accounts', 'transactions'] as const).flatMap((table) => fixtures[table].map((row) => ({ table, row })));
}

describe('groupChanges', () => {
  it('puts each table of a batch in its own object, keyed by the offsets it holds', () => {
    const changes = tagged();
    const objects = groupChanges(changes);
    for (const obj of objects) {
      const offsets = obj.rows.map((r) => r._kafka_offset as bigint);
      expect(obj.firstOffset).toBe(offsets[0]);
      expect(obj.lastOffset).toBe(offsets[offsets.length - 1]);
      expect([...offsets].sort((a, b) => (a < b ? -1 : 1))).toEqual(offsets);
      expect(obj.key).toBe(
        `${obj.table}/date=${obj.date}/${obj.table}+${obj.partition}+${obj.firstOffset}-${obj.lastOffset}.parquet`,
      );
      expect(obj.rows.every((r) => r._kafka_topic === obj.rows[0]!._kafka_topic)).toBe(true);
    }
    expect(objects.reduce((n, o) => n + o.rows.length, 0)).toBe(changes.length);
  });

  it('refuses two topics of one table in one batch rather than let their objects overwrite each other', () => {
    const rows = fixtures.customers.map((row) => ({ table: 'customers' as const, row }));
    const other = rows.map(({ table, row }) => ({ table, row: { ...row, _kafka_topic: 'other_prefix.public.customers' } }));
    expect(() => groupChanges([...rows, ...other])).toThrow(/two topics map to table customers/);
  });

  it("splits a partition at the UTC date of each change's source commit, not the row's created_at", () => {
    // One partition (the recording spans several): offsets in record order.
    const rows: ChangeRow[] = fixtures.transactions.map((r, i) => ({ ...r, _kafka_partition: 0, _kafka_offset: BigInt(i) }));
    const half = Math.floor(rows.length / 2);
    // Commit times just before and at UTC midnight fall on two dates.
    const midnight = ((rows[0]!._source_ts_ms as bigint) / DAY_MS) * DAY_MS + DAY_MS;
    rows.forEach((r, i) => (r._source_ts_ms = i < half ? midnight - 1n : midnight));
    const objects = groupChanges(rows.map((row) => ({ table: 'transactions' as const, row })));
    expect(objects).toHaveLength(2);
    const dates = objects.map((o) => o.date);
    expect(new Date(Number(midnight)).toISOString().slice(0, 10)).toBe(dates[1]);
    expect(new Date(Number(midnight - 1n)).toISOString().slice(0, 10)).toBe(dates[0]);
    expect(objects.map((o) => o.rows.length)).toEqual([half, rows.length - half]);
    expect(objects[0]!.lastOffset).toBe(rows[half - 1]!._kafka_offset);
    expect(objects[1]!.firstOffset).toBe(rows[half]!._kafka_offset);
  });

  it('splits by Kafka partition, and is independent of the order records arrive in', () => {
    const rows = fixtures.accounts.map((r, i) => ({ ...r, _kafka_partition: i % 2 }));
    const forward = groupChanges(rows.map((row) => ({ table: 'accounts' as const, row })));
    const backward = groupChanges([...rows].reverse().map((row) => ({ table: 'accounts' as const, row })));
    expect(forward.map((o) => o.partition).sort()).toEqual([0, 1]);
    expect(backward.map((o) => o.key)).toEqual(forward.map((o) => o.key));
    expect(backward.map((o) => o.rows)).toEqual(forward.map((o) => o.rows));
  });
});
