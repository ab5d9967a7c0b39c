/**
 * Change rows that exercise every column type and the edges of NUMERIC(18,2), and lake keys for
 * them: shared by the loader's benchmark and its unit tests (tests/unit/loader/fixtures.ts).
 */
import { objectKey } from '../functions/shared/objectKeys';
import type { ChangeRow } from '../functions/shared/rows';
import { topicFor, type DeclaredTable } from '../functions/shared/tables';

const EDGE_AMOUNTS = ['999999999999999.99', '0.01', '0.00', '123456789012345.67', '-999999999999999.99', '100000.10'];

/** Deterministic pseudo-random cents (no Math.random: failures must reproduce). */
function cents(i: number, seed: number): string {
  const v = BigInt((i * 7919 + seed * 104729) % 1_000_000_007) * 1013n;
  const s = (v % 100_000_000_000_000_000n).toString().padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}

export function sampleRows(
  table: DeclaredTable,
  count: number,
  opts: { seed?: number; partition?: number; firstOffset?: number } = {},
): ChangeRow[] {
  const seed = opts.seed ?? 1;
  const partition = opts.partition ?? 0;
  const first = opts.firstOffset ?? 0;
  const ops = ['c', 'u', 'd', 'r'] as const;
  const rows: ChangeRow[] = [];
  for (let i = 0; i < count; i++) {
    const money = i < EDGE_AMOUNTS.length ? EDGE_AMOUNTS[i]! : cents(i, seed);
    const ts = 1_714_521_600_000_000n + BigInt(i) * 1_000_001n + BigInt(seed); // micros, not whole ms
    const meta: ChangeRow = {
      _op: ops[i % 4]!,
      _lsn: 90_000_000_000n + BigInt(seed * 1_000_000 + i),
      _source_ts_ms: 1_714_521_600_000n + BigInt(i),
      _tx_id: i % 5 === 0 ? null : BigInt(700 + i),
      _kafka_topic: topicFor(table),
      _kafka_partition: partition,
      _kafka_offset: BigInt(first + i),
    };
    const id = seed * 100_000 + i + 1;
    if (table === 'customers') {
      rows.push({
        id,
        first_name: `Zoë-${i}`,
        last_name: "O'Brien",
        email: `c${seed}-${i}@example.com`,
        created_at: ts,
        ...meta,
      });
    } else if (table === 'accounts') {
      rows.push({
        id,
        customer_id: i + 1,
        account_type: 'CHECKING',
        balance: money,
        currency: 'USD',
        status: 'ACTIVE',
        created_at: ts,
        ...meta,
      });
    } else {
      rows.push({
        id: BigInt(id) + 9_000_000_000n,
        account_id: i + 1,
        txn_type: 'TRANSFER',
        amount: money,
        related_account_id: i % 3 === 0 ? null : i + 2,
        status: 'COMPLETED',
        created_at: ts,
        ...meta,
      });
    }
  }
  return rows;
}

/** The key of `count` records from `firstOffset` (through the lake's one key contract). */
export function lakeKey(table: DeclaredTable, date: string, partition: number, firstOffset: number, count: number): string {
  return objectKey({ table, date, partition, firstOffset, lastOffset: firstOffset + count - 1 });
}
