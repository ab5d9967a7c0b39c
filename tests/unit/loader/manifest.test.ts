/**
 * The DuckDB loader against the object manifest: what RAW holds for an object is checked against
 * its manifest in the load's transaction. A tampered object (its rows disagree with its manifest)
 * is refused naming it and nothing of it stays in RAW or the ledger; an object written before
 * manifests loads as before; an object whose records an overlapping object already loaded is
 * verified against the records RAW holds for it, whichever object inserted them.
 */
import { duckdbWarehouse } from '../../../functions/loader/duckdbWarehouse';
import { loadObjects } from '../../../functions/loader/loader';
import { parseManifest } from '../../../functions/shared/manifest';
import {
  encodeParquet,
  lakeKey,
  memoryStore,
  recordingLog,
  sampleRows,
  scratchWarehouse,
  tamperedObject,
  withDuckdb,
} from './fixtures';

const bucket = 'banking-data';
const tmp = scratchWarehouse('wh-manifest-');

function deps(objects: Map<string, Uint8Array>) {
  const log = recordingLog();
  const warehouse = duckdbWarehouse({ path: tmp.dbPath, log, lock: { timeoutMs: 10_000, initialDelayMs: 20 } });
  return { log, store: memoryStore(objects), warehouse };
}

describe('DuckDB loader: object manifests', () => {
  it('refuses an object whose rows disagree with its manifest, naming it; the good objects of the batch load', async () => {
    const good = sampleRows('transactions', 20, { seed: 1, partition: 0, firstOffset: 0 });
    const bad = sampleRows('transactions', 20, { seed: 2, partition: 1, firstOffset: 0 });
    const changed = bad.map((r, i) => (i === 7 ? { ...r, amount: '0.02' } : r));
    const goodKey = lakeKey('transactions', '2024-05-01', 0, 0, 20);
    const badKey = lakeKey('transactions', '2024-05-01', 1, 0, 20);
    const d = deps(
      new Map([
        [`${bucket}/${goodKey}`, encodeParquet('transactions', good)],
        [`${bucket}/${badKey}`, tamperedObject('transactions', bad, changed)],
      ]),
    );
    const report = await loadObjects(
      [
        { bucket, key: goodKey },
        { bucket, key: badKey },
      ],
      d,
    );
    expect(report).toMatchObject({ loaded: 1, failed: 1, rows: 20 });
    const failed = report.outcomes.find((o) => o.status === 'failed');
    expect(failed).toMatchObject({
      key: badKey,
      reason: expect.stringContaining(`manifest mismatch: the rows RAW holds for ${badKey}`),
    });
    expect(failed).toMatchObject({ reason: expect.stringContaining('sum(amount): manifest') });
    const [state] = await withDuckdb(tmp.dbPath, (q) =>
      q(`SELECT (SELECT count(*) FROM raw.transactions WHERE _file = '${badKey}') AS raw_rows,
                (SELECT count(*) FROM raw._loads WHERE object_key = '${badKey}') AS ledgered,
                (SELECT count(*) FROM raw._load_errors WHERE object_key = '${badKey}' AND reason LIKE '%manifest mismatch%') AS errors,
                (SELECT manifest FROM raw._loads WHERE object_key = '${goodKey}') AS manifest`),
    );
    expect(state).toMatchObject({ raw_rows: '0', ledgered: '0', errors: '1' });
    expect(parseManifest(String(state!.manifest))).toMatchObject({ rows: 20, table: 'transactions' });
  });

  it('refuses an object missing a row its manifest states', async () => {
    const rows = sampleRows('accounts', 10, { partition: 0, firstOffset: 0 });
    const key = lakeKey('accounts', '2024-05-01', 0, 0, 10);
    const d = deps(new Map([[`${bucket}/${key}`, tamperedObject('accounts', rows, rows.slice(0, 9))]]));
    const report = await loadObjects([{ bucket, key }], d);
    expect(report.outcomes).toEqual([
      { key, status: 'failed', reason: expect.stringMatching(new RegExp(`^manifest mismatch: .*: rows: manifest 10, RAW 9`)) },
    ]);
  });

  it('loads an object written before manifests as before, unverified (NULL manifest in the ledger)', async () => {
    const rows = sampleRows('accounts', 5, { partition: 0, firstOffset: 0 });
    const key = lakeKey('accounts', '2024-05-01', 0, 0, 5);
    const d = deps(new Map([[`${bucket}/${key}`, encodeParquet('accounts', rows, { manifest: false })]]));
    expect(await loadObjects([{ bucket, key }], d)).toMatchObject({ loaded: 1, rows: 5 });
    const [l] = await withDuckdb(tmp.dbPath, (q) => q(`SELECT row_count, manifest FROM raw._loads`));
    expect(l).toEqual({ row_count: '5', manifest: null });
    expect(d.log.lines.some((x) => /no manifest/.test(x.message))).toBe(true);
  });

  it('verifies an object overlapping one already loaded against the records RAW holds for it, whoever inserted them', async () => {
    // A writer killed after storing 0-9 but before committing: the retry cut the records as 5-14.
    const rows = sampleRows('transactions', 15, { partition: 0, firstOffset: 0 });
    const first = lakeKey('transactions', '2024-05-01', 0, 0, 10);
    const second = lakeKey('transactions', '2024-05-01', 0, 5, 10);
    const d = deps(
      new Map([
        [`${bucket}/${first}`, encodeParquet('transactions', rows.slice(0, 10))],
        [`${bucket}/${second}`, encodeParquet('transactions', rows.slice(5, 15))],
      ]),
    );
    expect(await loadObjects([{ bucket, key: first }], d)).toMatchObject({ loaded: 1, rows: 10 });
    expect(await loadObjects([{ bucket, key: second }], d)).toMatchObject({ loaded: 1, rows: 5, failed: 0 });
    const ledger = await withDuckdb(tmp.dbPath, (q) => q(`SELECT object_key, row_count, manifest FROM raw._loads ORDER BY 1`));
    expect(ledger.map((l) => [l.row_count, parseManifest(String(l.manifest)).rows])).toEqual([
      ['10', 10],
      ['5', 10],
    ]);
  });
});
