/**
 * One lake object under construction: a (table, commit date, Kafka partition) of a batch, held as
 * one array per Parquet column, so a record goes from JSON to columns in one pass. Columns: the
 * table's (tables.ts), the CDC metadata, then schema-evolved ones (parquetSchema.ts's contract).
 */
import type { KafkaRecordIn } from '../decode/decodeRecord';
import type { Physical } from '../decode/columnValues';
import type { Envelope } from '../decode/envelope';
import type { Layout } from '../decode/layout';
import { DecodeError } from '../../shared/errors';
import { changeColumns, tableDef, type ColumnDef, type TableName } from '../../shared/tables';

interface ExtraColumn {
  def: ColumnDef;
  values: Physical[];
  /** Where it was first seen: extra columns are ordered by it, whatever the records' order. */
  firstOffset: number;
  position: number;
}

function sameDef(a: ColumnDef, b: ColumnDef): boolean {
  return a.type === b.type && a.length === b.length && a.precision === b.precision && a.scale === b.scale;
}

export class ObjectBuilder {
  readonly records: KafkaRecordIn[] = [];
  private readonly base: Physical[][];
  private readonly width: number;
  private readonly extras = new Map<string, ExtraColumn>();
  private ordered = true;

  constructor(
    readonly table: TableName,
    readonly date: string,
    readonly partition: number,
    readonly epoch = 0,
  ) {
    this.width = tableDef(table).columns.length;
    this.base = changeColumns(table).map(() => []);
  }

  /** Columns before the evolved ones: tables.ts and CDC metadata. */
  get baseWidth(): number {
    return this.base.length;
  }

  get rows(): number {
    return this.records.length;
  }

  /** Appends one decoded record; throws DecodeError (and appends nothing) if it cannot join. */
  append(
    layout: Layout,
    values: readonly Physical[],
    env: Envelope,
    record: KafkaRecordIn,
    unavailable: string | null = null,
  ): void {
    for (const c of layout.extra) {
      const have = this.extras.get(c.def.name);
      if (have && !sameDef(have.def, c.def)) {
        throw new DecodeError(
          `column ${c.def.name} changed type between records of one object; not an additive change: ` +
            'add it to functions/shared/tables.ts with its final type, deploy, then replay the dead letters (npm run dlq -- replay)',
        );
      }
    }
    const n = this.records.length;
    const base = this.base;
    const w = this.width;
    for (let i = 0; i < w; i++) base[i]!.push(values[i]!);
    base[w]!.push(env.op);
    base[w + 1]!.push(BigInt(env.lsn));
    base[w + 2]!.push(BigInt(env.sourceTsMs));
    base[w + 3]!.push(env.txId === null ? null : BigInt(env.txId));
    base[w + 4]!.push(record.topic);
    base[w + 5]!.push(record.partition);
    base[w + 6]!.push(BigInt(record.offset));
    base[w + 7]!.push(this.epoch);
    base[w + 8]!.push(unavailable);
    if (n > 0 && record.offset < this.records[n - 1]!.offset) this.ordered = false;
    this.records.push(record);
    if (layout.extra.length === 0 && this.extras.size === 0) return;
    layout.extra.forEach((c, j) => {
      let col = this.extras.get(c.def.name);
      if (!col) {
        col = { def: c.def, values: new Array<Physical>(n).fill(null), firstOffset: record.offset, position: j };
        this.extras.set(c.def.name, col);
      } else if (record.offset < col.firstOffset) {
        col.firstOffset = record.offset;
        col.position = j;
      }
      col.values.push(values[w + j]!);
    });
    for (const col of this.extras.values()) if (col.values.length === n) col.values.push(null);
  }

  /** Offsets held, in the order of `columns()`. */
  offsets(): number[] {
    const offsets = this.records.map((r) => r.offset);
    return this.ordered ? offsets : offsets.sort((a, b) => a - b);
  }

  /** Column definitions and values, rows in offset order (the bytes do not depend on input order). */
  columns(): { defs: ColumnDef[]; data: Physical[][] } {
    const extras = [...this.extras.values()].sort((a, b) => a.firstOffset - b.firstOffset || a.position - b.position);
    const defs = [...changeColumns(this.table), ...extras.map((e) => e.def)];
    let data = [...this.base, ...extras.map((e) => e.values)];
    if (!this.ordered) {
      const order = this.records.map((r, i) => [r.offset, i] as const).sort((a, b) => a[0] - b[0]);
      data = data.map((col) => order.map(([, i]) => col[i]!));
    }
    return { defs, data };
  }

  /** The same object without the rows at these indexes (of `columns()` order). */
  without(drop: ReadonlySet<number>): { defs: ColumnDef[]; data: Physical[][] } {
    const { defs, data } = this.columns();
    return { defs, data: data.map((col) => col.filter((_, i) => !drop.has(i))) };
  }

  /** Just the row at this index (of `columns()` order). */
  row(i: number): { defs: ColumnDef[]; data: Physical[][] } {
    const { defs, data } = this.columns();
    return { defs, data: data.map((col) => [col[i]!]) };
  }

  /** Records in the order of `columns()`. */
  orderedRecords(): KafkaRecordIn[] {
    return this.ordered ? this.records : [...this.records].sort((a, b) => a.offset - b.offset);
  }
}
