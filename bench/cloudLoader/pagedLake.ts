import type { ObjectStore } from '../../functions/loader/s3ObjectStore';

/**
 * The sweep phase's lake: `perPrefix` ledgered keys per prefix stored at `storedAt`, plus what
 * `add` puts there, listed as S3's ListObjectsV2 pages them (1,000 keys, 20 ms a page, by key).
 */
export function pagedLake(
  base: ObjectStore,
  prefixes: readonly string[],
  perPrefix: number,
  storedAt: number,
): { store: ObjectStore; add(prefix: string, key: string, lastModified: number): void; pages: number } {
  const listing = new Map<string, Map<string, number>>();
  for (const p of prefixes)
    listing.set(
      p,
      new Map(Array.from({ length: perPrefix }, (_, i) => [`${p}${p.split('/')[0]}+9+${i}-${i}.parquet`, storedAt])),
    );
  const lake = {
    pages: 0,
    add(prefix: string, key: string, lastModified: number) {
      listing.get(prefix)!.set(key, lastModified);
    },
    store: {
      ...base,
      async *listPages(_b: string, prefix: string) {
        const keys = [...(listing.get(prefix) ?? new Map<string, number>())].sort(([a], [b]) => (a < b ? -1 : 1));
        for (let i = 0; i < keys.length; i += 1000) {
          await new Promise((r) => setTimeout(r, 20));
          lake.pages++;
          yield keys.slice(i, i + 1000).map(([key, lastModified]) => ({ key, etag: 'e', size: 1, lastModified }));
        }
      },
    } as ObjectStore,
  };
  return lake;
}
