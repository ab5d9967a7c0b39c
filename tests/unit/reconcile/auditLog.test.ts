import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendAudit, checkAuditLog, GENESIS, lastAuditEntry } from '../../../functions/reconcile/auditLog';
import { lsnToNumber, visiblePredicate } from '../../../functions/reconcile/watermark';

function logWithThree(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'audit-')), 'audit.jsonl');
  appendAudit(file, { ok: true, n: 1 });
  appendAudit(file, { ok: false, n: 2, first: { table: 'accounts', key: '7' } });
  appendAudit(file, { ok: true, n: 3 });
  return file;
}

test('entries chain by hash and the chain re-verifies', () => {
  const file = logWithThree();
  const lines = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { prev: string; hash: string });
  expect(lines[0]!.prev).toBe(GENESIS);
  expect(lines[1]!.prev).toBe(lines[0]!.hash);
  expect(lines[2]!.prev).toBe(lines[1]!.hash);
  expect(lastAuditEntry(file)?.n).toBe(3);
  expect(checkAuditLog(file)).toEqual({ ok: true, entries: 3 });
});

test('an edited entry breaks the chain at that line', () => {
  const file = logWithThree();
  writeFileSync(file, readFileSync(file, 'utf8').replace('"ok":false', '"ok":true'));
  expect(checkAuditLog(file)).toMatchObject({ ok: false, broken: { line: 2 } });
});

test('a removed entry breaks the chain at the next line', () => {
  const file = logWithThree();
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  writeFileSync(file, `${[lines[0], lines[2]].join('\n')}\n`);
  expect(checkAuditLog(file)).toMatchObject({ ok: false, broken: { line: 2 } });
});

test('the watermark selects the transactions a snapshot sees', () => {
  expect(lsnToNumber('16/B374D848')).toBe((0x16n << 32n) + 0xb374d848n);
  const p = visiblePredicate({ lsn: '0/100', lsnNumber: '256', snapshot: '740:745:741,743' });
  expect(p).toBe('(_lsn <= 256 AND (_tx_id IS NULL OR (_tx_id < 745 AND _tx_id NOT IN (741, 743))))');
  // 64-bit xids in a later epoch compare as Debezium's 32-bit ones
  const e = visiblePredicate({ lsn: '0/100', lsnNumber: '256', snapshot: `${(1n << 32n) + 5n}:${(1n << 32n) + 9n}:` });
  expect(e).toContain('_tx_id < 9)');
});
