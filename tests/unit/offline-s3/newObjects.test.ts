/**
 * NewObjectFinder against an in-memory bucket that answers ListObjectsV2 as S3 does (keys in
 * lexical order, Prefix, Delimiter), counting how many keys each poll had to read.
 */
import type { S3ObjectInfo } from '../../../infra/local/offline-s3/event';
import { NewObjectFinder, type ListArgs } from '../../../infra/local/offline-s3/newObjects';

class QueryBucket {
  readonly objects = new Map<string, S3ObjectInfo>();
  keysRead = 0;
  queries = 0;
  put(key: string, at = Date.UTC(2026, 11, 2)): void {
    this.objects.set(key, { key, size: 1, eTag: `e-${key}`, lastModified: new Date(at) });
  }
  readonly list = async (_bucket: string, a: ListArgs) => {
    this.queries++;
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(a.prefix)).sort();
    const objects: S3ObjectInfo[] = [];
    const prefixes = new Set<string>();
    for (const k of keys) {
      const rest = k.slice(a.prefix.length);
      const cut = a.delimiter ? rest.indexOf(a.delimiter) : -1;
      if (cut >= 0) prefixes.add(a.prefix + rest.slice(0, cut + 1));
      else objects.push(this.objects.get(k)!);
    }
    this.keysRead += objects.length + prefixes.size;
    return { objects, prefixes: [...prefixes] };
  };
}

const lake = (table: string, date: string, p: number, first: number, last: number) =>
  `${table}/date=${date}/${table}+${p}+${first}-${last}.parquet`;

const NOW = Date.UTC(2026, 11, 2, 12);

function setup(bucket: QueryBucket) {
  const finder = new NewObjectFinder({ list: bucket.list, now: () => NOW, coldPerPoll: 2 });
  finder.observe([...bucket.objects.values()], false); // the sweep
  return finder;
}

async function newKeys(finder: NewObjectFinder, bucket: QueryBucket, known: Set<string>): Promise<string[]> {
  const found = (await finder.listNew('b')).filter((o) => !known.has(o.key));
  finder.observe(found, true);
  for (const o of found) known.add(o.key);
  return [...new Set(found.map((o) => o.key))].sort();
}

describe('NewObjectFinder', () => {
  it('finds new objects whose offsets gain a digit (lexical order is not offset order), in every partition', async () => {
    const bucket = new QueryBucket();
    // Partitions 2 and 10 (10 sorts before 2), offsets up to 999 in objects of 10.
    for (const p of [2, 10]) for (let f = 900; f < 1000; f += 10) bucket.put(lake('accounts', '2026-12-02', p, f, f + 9));
    const known = new Set(bucket.objects.keys());
    const finder = setup(bucket);
    const fresh = [lake('accounts', '2026-12-02', 2, 1000, 1009), lake('accounts', '2026-12-02', 10, 1000, 1049)];
    for (const k of fresh) bucket.put(k);
    expect(await newKeys(finder, bucket, known)).toEqual([...fresh].sort());
    // Then 1010.., and a retried batch cut differently that restarts at a recent first offset.
    const more = [lake('accounts', '2026-12-02', 2, 1010, 1019), lake('accounts', '2026-12-02', 10, 1000, 1099)];
    for (const k of more) bucket.put(k);
    expect(await newKeys(finder, bucket, known)).toEqual([...more].sort());
    expect(await newKeys(finder, bucket, known)).toEqual([]);
  });

  it('finds every object of a partition as its offsets grow through several lengths, polled after each', async () => {
    const bucket = new QueryBucket();
    bucket.put(lake('accounts', '2026-12-02', 0, 0, 49));
    const known = new Set(bucket.objects.keys());
    const finder = setup(bucket);
    // Batches of 50 and 500 mixed (as the writer cuts them), from 50 to past 100,000.
    let first = 50;
    for (let i = 0; first < 120_000; i++) {
      const size = i % 7 === 3 ? 50 : i < 40 ? 50 : 2_000;
      const key = lake('accounts', '2026-12-02', 0, first, first + size - 1);
      bucket.put(key);
      expect(await newKeys(finder, bucket, known)).toEqual([key]);
      first += size;
    }
  });

  it('finds a new date folder, a new table folder and a new partition', async () => {
    const bucket = new QueryBucket();
    bucket.put(lake('accounts', '2026-12-02', 0, 0, 9));
    const known = new Set(bucket.objects.keys());
    const finder = setup(bucket);
    const fresh = [
      lake('accounts', '2026-12-03', 0, 10, 19),
      lake('loans', '2026-12-02', 0, 0, 4),
      lake('accounts', '2026-12-02', 3, 0, 4),
    ];
    for (const k of fresh) bucket.put(k);
    expect(await newKeys(finder, bucket, known)).toEqual([...fresh].sort());
  });

  it("reads about as many keys as are new, not the lake's size; old folders are revisited in turn", async () => {
    const bucket = new QueryBucket();
    // 30 old days x 3 tables x 50 objects, and today's folder with 200 objects.
    for (let d = 1; d <= 30; d++)
      for (const t of ['customers', 'accounts', 'transactions'])
        for (let i = 0; i < 50; i++)
          bucket.put(
            lake(t, `2026-10-${String(d).padStart(2, '0')}`, 0, d * 10_000 + i * 10, d * 10_000 + i * 10 + 9),
            Date.UTC(2026, 9, d),
          );
    for (let i = 0; i < 200; i++) bucket.put(lake('accounts', '2026-12-02', 0, 500_000 + i * 10, 500_000 + i * 10 + 9));
    const known = new Set(bucket.objects.keys());
    const finder = setup(bucket);
    bucket.keysRead = 0;
    bucket.put(lake('accounts', '2026-12-02', 0, 502_000, 502_009));
    expect(await newKeys(finder, bucket, known)).toEqual([lake('accounts', '2026-12-02', 0, 502_000, 502_009)]);
    // 4,700 objects in the bucket; a poll reads the folder names, today's folder and 2 old folders.
    expect(bucket.keysRead).toBeLessThan(201 + 2 * 50 + 100);
    // A late object in an old folder is found once that folder's turn comes (90 old folders, 2 per poll).
    const late = lake('customers', '2026-10-07', 0, 70_500, 70_509);
    bucket.put(late);
    let found: string[] = [];
    for (let poll = 0; poll < 50 && found.length === 0; poll++) found = await newKeys(finder, bucket, known);
    expect(found).toEqual([late]);
  });

  it('lists keys that are not lake objects whole, and new ones are found', async () => {
    const bucket = new QueryBucket();
    bucket.put('in/a.parquet');
    const known = new Set(bucket.objects.keys());
    const finder = setup(bucket);
    bucket.put('in/b c+d.parquet');
    bucket.put('top.parquet');
    expect(await newKeys(finder, bucket, known)).toEqual(['in/b c+d.parquet', 'top.parquet']);
  });

  it('finds objects another consumer group writes over offsets already in the folder (they sort before the newest)', async () => {
    const bucket = new QueryBucket();
    // A first run wrote customers offsets 0..14,999 in objects of 1,000 (the CI case: a second
    // e2e run, a replay bench, a restart from TRIM_HORIZON all write the same offsets again).
    for (let f = 0; f < 15_000; f += 1000) bucket.put(lake('customers', '2026-12-02', 0, f, f + 999));
    const known = new Set(bucket.objects.keys());
    const finder = setup(bucket);
    // The second group cuts the same offsets differently: 12042-12710 sorts before 13000-13999.
    for (const [f, l] of [
      [0, 905],
      [906, 1811],
      [7330, 12041],
      [12042, 12710],
      [12711, 13616],
    ]) {
      const key = lake('customers', '2026-12-02', 0, f!, l!);
      bucket.put(key);
      expect(await newKeys(finder, bucket, known)).toEqual([key]);
    }
  });
});
