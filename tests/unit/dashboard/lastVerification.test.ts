/** The page's "last verification" line from the audit log's last entry, manifests included. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendAudit } from '../../../functions/reconcile/auditLog';
import { lastVerification } from '../../../infra/local/dashboard/reconcile';

test('names the manifests verified and differing, and the first difference with its object', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'audit-')), 'audit.jsonl');
  expect(lastVerification(file)).toBeUndefined();
  appendAudit(file, {
    at: '2026-12-07T00:00:00.000Z',
    ok: true,
    watermark: { lsn: '0/10' },
    manifestsVerified: 40,
    manifestMismatches: [],
  });
  expect(lastVerification(file)).toEqual({
    at: Date.parse('2026-12-07T00:00:00.000Z'),
    match: true,
    summary: 'at LSN 0/10; 40 object manifests verified',
  });
  appendAudit(file, {
    at: '2026-12-07T00:01:00.000Z',
    ok: false,
    watermark: { lsn: '0/20' },
    manifestsVerified: 39,
    manifestMismatches: [{ object: 'transactions/date=2026-12-07/transactions+0+5-9.parquet' }],
    first: {
      table: 'transactions',
      key: '7',
      column: 'amount',
      origin: { object: 'transactions/date=2026-12-07/transactions+0+5-9.parquet' },
    },
  });
  expect(lastVerification(file)).toMatchObject({
    match: false,
    summary:
      'at LSN 0/20; 39 object manifests verified, 1 differing; first difference transactions key 7 column amount from transactions/date=2026-12-07/transactions+0+5-9.parquet',
  });
});

test('says whether the marts matched, were not built yet, or where they first differ', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'audit-')), 'audit.jsonl');
  const entry = (marts: Record<string, unknown>) =>
    appendAudit(file, { at: '2026-12-07T00:00:00.000Z', ok: true, watermark: { lsn: '0/10' }, marts });
  entry({ ok: true, built: false });
  expect(lastVerification(file)?.summary).toBe('at LSN 0/10; marts not built yet');
  entry({ ok: true, built: true });
  expect(lastVerification(file)?.summary).toBe('at LSN 0/10; marts match');
  entry({ ok: false, built: true, first: { mart: 'fact_transactions', key: '12', column: 'amount' } });
  expect(lastVerification(file)?.summary).toBe('at LSN 0/10; marts differ: fact_transactions key 12 column amount');
});
