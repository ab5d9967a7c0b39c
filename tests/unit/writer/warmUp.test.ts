import { decodeRecord } from '../../../functions/writer';
import { syntheticRecords, warmUpWriter } from '../../../functions/writer/warmUp';
import { TABLE_NAMES } from '../../../functions/shared/tables';

describe('the writer warm-up', () => {
  it.each([false, true])(
    "builds records of every table that the writer's decoder takes as valid inserts (inline schema: %s)",
    (withSchema) => {
      const records = syntheticRecords(5, 'banking_server', withSchema);
      expect(records).toHaveLength(5 * TABLE_NAMES.length);
      const decoded = records.map((r) => decodeRecord(r));
      expect(decoded.every((d) => d.kind === 'row' && d.row._op === 'c')).toBe(true);
      expect(new Set(decoded.map((d) => (d.kind === 'row' ? d.table : '')))).toEqual(new Set(TABLE_NAMES));
    },
  );

  it('encodes one object per table and batch, with nothing dead-lettered', async () => {
    let touched = 0;
    const r = await warmUpWriter({
      topicPrefix: 'banking_server',
      batches: 2,
      perTable: 50,
      touchStore: () => Promise.reject(new Error(`not found ${++touched}`)),
    });
    expect(r).toMatchObject({ records: 2 * 50 * TABLE_NAMES.length, objects: 2 * TABLE_NAMES.length, deadLetters: 0 });
    expect(touched).toBe(1); // its failure (a key that is not there) is not the warm-up's
  });
});
