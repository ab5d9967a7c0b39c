/** Rows decoded from the recorded Debezium fixtures, per table: the lake tests' input. */
import { decodeRecord } from '../../../functions/writer';
import type { ChangeRow } from '../../../functions/shared/rows';
import { TABLE_NAMES, type DeclaredTable } from '../../../functions/shared/tables';
import { loadRecording } from '../../fixtures/debezium';

/** Streamed changes (c/u/d) of the stack's connector, or with `snapshots` also the snapshot reads (r) of the fixture connector. */
export function decodedFixtureRows(snapshots = false): Record<DeclaredTable, ChangeRow[]> {
  const rec = loadRecording();
  const out = Object.fromEntries(TABLE_NAMES.map((t) => [t, [] as ChangeRow[]])) as Record<DeclaredTable, ChangeRow[]>;
  for (const r of snapshots ? [...rec.snapshotSamples, ...rec.records] : rec.records) {
    const d = decodeRecord(r);
    if (d.kind === 'row') out[d.table as DeclaredTable].push(d.row);
  }
  return out;
}
