/**
 * verify's wait for RAW (infra/local/cli/verify-run.ts, notCovered): a lake object missing from the
 * ledger is waited for unless ledgered objects hold its records. Two bugs let verify read RAW while a
 * change below the watermark was still unloaded, a false MISMATCH on a busy key (seen on a long-lived
 * stack: accounts key 1): since 6383a08 (tableForTopic wants `<prefix>.public.<table>`) no object was
 * ever waited for; and an object was taken as held when ledgered objects of its partition spanned its
 * offsets whatever their date or epoch (a batch cut at midnight whose commit times interleave offsets,
 * or a new epoch's offsets restarting at 0).
 */
import { notCovered } from '../../../infra/local/cli/verify-run';
import { objectKey, parseLakeKey } from '../../../functions/shared/objectKeys';

const key = (date: string, first: number, last: number, epoch = 0) =>
  parseLakeKey(objectKey({ table: 'accounts', date, partition: 0, firstOffset: first, lastOffset: last, epoch }));

test("an object whose offsets interleave with another date's object of the same batch is still waited for", () => {
  // One batch, offsets 100-199: commit times around midnight put 100-150 and 160 on the 6th, 151-159 and 161-199 on the 7th.
  const before = key('2026-12-06', 100, 160);
  const after = key('2026-12-07', 151, 199);
  const next = key('2026-12-07', 200, 260);
  expect(notCovered([before, after, next], new Set([before.key, next.key]))).toEqual([after.key]);
  expect(notCovered([before, after, next], new Set([after.key, next.key]))).toEqual([before.key]);
});

test("a retry's object cut at other offsets, same date, is held by the ledgered ones", () => {
  const a = key('2026-12-07', 0, 9);
  const b = key('2026-12-07', 10, 30);
  const retry = key('2026-12-07', 5, 14);
  expect(notCovered([a, b, retry], new Set([a.key, b.key]))).toEqual([]);
  expect(notCovered([a, b, retry], new Set([a.key]))).toEqual([b.key, retry.key]);
});

test("a new epoch's objects are not held by the old epoch's at the same offsets", () => {
  const old = key('2026-12-07', 0, 50);
  const fresh = key('2026-12-07', 0, 20, 1);
  expect(notCovered([old, fresh], new Set([old.key]))).toEqual([fresh.key]);
});
