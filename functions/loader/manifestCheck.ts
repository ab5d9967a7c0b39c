/**
 * The loader's side of the object manifest (functions/shared/manifest.ts): the SELECT that reads
 * back what RAW holds for an object, in either dialect, and the comparison that refuses the object
 * (CorruptObjectError naming it) when RAW's rows are not what its manifest says.
 */
import { manifestDifference, manifestOfTextRows, moneyColumns, parseManifest, type Manifest } from '../shared/manifest';
import { tableDef, type TableName } from '../shared/tables';
import type { Dialect } from './ddl';
import { quoteIdent } from './identifiers';
import { CorruptObjectError } from './errors';

/**
 * Select list over RAW giving what a manifest is computed from, every cell as text (exact), with
 * aliases k0.., lsn, op, topic, part, off, m0.. (Snowflake answers them in upper case).
 */
export function manifestSelectList(dialect: Dialect, table: TableName, alias = ''): string {
  const q = (c: string) => `${alias}${quoteIdent(dialect, c)}`;
  const text = (c: string) => `CAST(${q(c)} AS VARCHAR)`;
  return [
    ...tableDef(table).key.map((k, i) => `${text(k)} AS k${i}`),
    `${text('_lsn')} AS lsn`,
    `${q('_op')} AS op`,
    `${q('_kafka_topic')} AS topic`,
    `${text('_kafka_partition')} AS part`,
    `${text('_kafka_offset')} AS off`,
    ...moneyColumns(table).map((c, i) => `${text(c.name)} AS m${i}`),
  ].join(', ');
}

/** Rows read with manifestSelectList (objects with any key case, or arrays in its column order) to a manifest. */
export function manifestOfRawRows(table: TableName, rows: ReadonlyArray<Record<string, unknown> | readonly unknown[]>): Manifest {
  const keyCount = tableDef(table).key.length;
  const money = moneyColumns(table);
  const names = [
    ...Array.from({ length: keyCount }, (_, i) => `k${i}`),
    'lsn',
    'op',
    'topic',
    'part',
    'off',
    ...money.map((_, i) => `m${i}`),
  ];
  return manifestOfTextRows(
    table,
    rows.map((r) => {
      const cell = (name: string): unknown => {
        if (Array.isArray(r)) return r[names.indexOf(name)];
        const o = r as Record<string, unknown>;
        return o[name] ?? o[name.toUpperCase()];
      };
      const text = (name: string) => String(cell(name));
      return {
        key: Array.from({ length: keyCount }, (_, i) => text(`k${i}`)),
        lsn: text('lsn'),
        op: text('op'),
        topic: text('topic'),
        partition: text('part'),
        offset: text('off'),
        money: Object.fromEntries(
          money.map((c, i) => {
            const v = cell(`m${i}`);
            return [c.name, v === null || v === undefined ? null : String(v)];
          }),
        ),
      };
    }),
  );
}

/** The object's manifest from its footer text; an unreadable one refuses the object. */
export function objectManifest(key: string, text: string | null): Manifest | null {
  if (text === null) return null;
  try {
    return parseManifest(text);
  } catch (err) {
    throw new CorruptObjectError(key, `its manifest cannot be read: ${(err as Error).message}`);
  }
}

/** Refuses the object when what RAW holds for it differs from its manifest. */
export function checkAgainstManifest(key: string, manifest: Manifest, raw: Manifest): void {
  const diff = manifestDifference(manifest, raw);
  if (diff !== null) {
    throw new CorruptObjectError(key, `manifest mismatch: the rows RAW holds for ${key} differ from its manifest: ${diff}`);
  }
}
