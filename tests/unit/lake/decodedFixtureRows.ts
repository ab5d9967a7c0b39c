/** Rows decoded from the recorded Debezium fixtures, per table: the lake tests' input. */
import { decodeRecord } from '../../../functions/cdc';
import type { ChangeRow } from '../../../functions/shared/rows';
import { TABLE_NAMES, type TableName } from '../../../functions/shared/tables';
import { loadRecording } from '../../fixtures/debezium';

export function decodedFixtureRows(): Record<TableName, ChangeRow[]> {
  const rec = loadRecording();
  const out = Object.fromEntries(TABLE_NAMES.map((t) => [t, [] as ChangeRow[]])) as Record<TableName, ChangeRow[]>;
  for (const r of [...rec.snapshotSamples, ...rec.records]) {
    const d = decodeRecord(r);
    if (d.kind === 'row') out[d.table].push(d.row);
  }
  return out;
}
