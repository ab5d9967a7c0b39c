/**
 * Finds the objects that can be new without listing the whole bucket, so a poll's cost follows
 * what was written, not the size of the lake. After the start-up sweep (a full listing) it knows
 * the bucket's folders, and each poll lists:
 *
 * - the folders that hold folders (root, `<table>/`), with Delimiter '/': new folders, which are
 *   then listed whole (everything in a new folder is new);
 * - hot folders: those with a new object in the last `hotForMs`, or named for today's or
 *   yesterday's UTC date (`date=YYYY-MM-DD`, where the writer puts objects), plus `coldPerPoll`
 *   other folders in turn, so a late object in an old folder is found within a bounded time.
 *
 * A folder of lake objects (`<table>+<partition>+<firstOffset>-<lastOffset>.parquet`) is listed
 * per partition from just before a recent first offset (partitionQueries). Offsets are not zero-
 * padded, so lexical order is not offset order; see partitionQueries for how that is covered.
 * Any other folder is listed whole.
 */
import { parseObjectKey } from '../../functions/shared/objectKeys';
import type { S3ObjectInfo } from './event';

export interface ListArgs {
  prefix: string;
  startAfter?: string;
  delimiter?: string;
}

/** Every page of one ListObjectsV2 query: the objects, and the common prefixes with a delimiter. */
export type ListQueryFn = (bucket: string, args: ListArgs) => Promise<{ objects: S3ObjectInfo[]; prefixes: string[] }>;

/** What S3EventSource needs from a finder. */
export interface NewObjectLister {
  observe(objects: readonly S3ObjectInfo[], areNew: boolean): void;
  listNew(bucket: string): Promise<S3ObjectInfo[]>;
}

export interface NewObjectFinderOptions {
  list: ListQueryFn;
  /** Only keys under this prefix (the event's filter prefix). */
  rootPrefix?: string;
  hotForMs?: number;
  coldPerPoll?: number;
  now?: () => number;
}

interface Folder {
  /** Partition prefix (`<folder><table>+<p>+`) -> its recent offsets. */
  groups: Map<string, Partition>;
  /** Name prefixes (`<folder><table>+`) under which partitions are listed. */
  names: Set<string>;
  /** Holds keys that are not lake object names: listed whole. */
  other: boolean;
  lastNewAt: number;
}

const dirOf = (key: string) => key.slice(0, key.lastIndexOf('/') + 1);

/** Numeric comparison of two non-negative decimal digit strings. */
function greater(a: string, b: string): boolean {
  return a.length !== b.length ? a.length > b.length : a > b;
}

/** How many recent first offsets a partition keeps: a retried batch restarts at one of them. */
const RECENT_FIRSTS = 3;

interface Partition {
  /** Highest first offsets seen, highest first (digit strings). */
  firsts: string[];
  /** Highest last offset seen. */
  maxLast: string;
}

/**
 * The listings that return every key of the partition with a first offset at or above `from`
 * (the oldest of its recent first offsets: a retried batch, cut differently, restarts at the
 * last committed offset, which is one of them), and few older keys.
 *
 * - StartAfter `<group><from>` returns every offset of from's length above it, and the longer
 *   ones whose leading digits sort after from's. Old keys it also returns: shorter offsets that
 *   sort after it (only in a folder that saw the offsets gain a digit, objects before that).
 * - The longer offsets it misses start with a digit at most from's first digit:
 *   - when the recent offsets already span two lengths (the partition just gained a digit), the
 *     prefixes 1..from's first digit are listed whole (old keys there: that folder's shorter
 *     offsets with those leading digits; only until three objects have the new length);
 *   - otherwise the only such offsets are the first ones of the next length, 10^n and a little
 *     above (objects are contiguous), which start with "1": when the highest last offset is
 *     within 10% of 10^n, the "1" prefix is listed too.
 */
export function partitionQueries(group: string, p: Partition): ListArgs[] {
  const from = p.firsts[p.firsts.length - 1]!;
  const max = p.firsts[0]!;
  const queries: ListArgs[] = [{ prefix: group, startAfter: `${group}${from}` }];
  if (from.length < max.length) {
    for (let d = 1; d <= Number(from[0]); d++) queries.push({ prefix: `${group}${d}` });
  } else if ((BigInt(p.maxLast) + 1n) * 10n >= 10n ** BigInt(max.length) * 9n) {
    queries.push({ prefix: `${group}1` });
  }
  return queries;
}

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export class NewObjectFinder implements NewObjectLister {
  readonly #o: Required<NewObjectFinderOptions>;
  readonly #folders = new Map<string, Folder>();
  /** Folders that hold folders (always re-listed with a delimiter for new folders). */
  readonly #parents = new Set<string>();
  #cursor = 0;

  constructor(options: NewObjectFinderOptions) {
    this.#o = {
      rootPrefix: '',
      hotForMs: 10 * 60_000,
      coldPerPoll: 5,
      now: Date.now,
      ...options,
    };
    this.#parents.add(this.#rootParent());
  }

  #rootParent(): string {
    return dirOf(this.#o.rootPrefix);
  }

  /** Learn from listed objects (the sweep's, and every poll's). */
  observe(objects: readonly S3ObjectInfo[], areNew: boolean): void {
    const now = this.#o.now();
    for (const o of objects) {
      const dir = dirOf(o.key);
      let f = this.#folders.get(dir);
      if (!f) {
        f = { groups: new Map(), names: new Set(), other: false, lastNewAt: 0 };
        this.#folders.set(dir, f);
        // Every ancestor between the root and this folder holds folders.
        for (let p = dirOf(dir.slice(0, -1)); p.length >= this.#rootParent().length; p = dirOf(p.slice(0, -1))) {
          this.#parents.add(p);
          if (p === '') break;
        }
      }
      f.lastNewAt = Math.max(f.lastNewAt, areNew ? now : o.lastModified.getTime());
      // Lake keys are relative to the event's filter prefix (empty by default).
      const k = parseObjectKey(o.key.slice(this.#rootParent().length));
      if (!k) {
        f.other = true;
        continue;
      }
      const name = `${dir}${k.table}+`;
      const group = `${name}${k.partition}+`;
      f.names.add(name);
      const first = String(k.firstOffset);
      const last = String(k.lastOffset);
      const p = f.groups.get(group) ?? { firsts: [], maxLast: '0' };
      f.groups.set(group, p);
      if (!p.firsts.includes(first)) {
        p.firsts.push(first);
        p.firsts.sort((a, b) => (greater(a, b) ? -1 : greater(b, a) ? 1 : 0));
        p.firsts.length = Math.min(p.firsts.length, RECENT_FIRSTS);
      }
      if (greater(last, p.maxLast)) p.maxLast = last;
    }
  }

  /** Objects that may be new (some may be known: the caller compares keys and ETags). */
  async listNew(bucket: string): Promise<S3ObjectInfo[]> {
    const out: S3ObjectInfo[] = [];
    // 1. New folders, found by listing the folders that hold folders.
    for (const parent of [...this.#parents]) {
      const { objects, prefixes } = await this.#o.list(bucket, { prefix: parent, delimiter: '/' });
      out.push(...objects.filter((o) => o.key.startsWith(this.#o.rootPrefix)));
      for (const dir of prefixes) {
        if (this.#folders.has(dir) || this.#parents.has(dir)) continue;
        const whole = await this.#o.list(bucket, { prefix: dir });
        out.push(...whole.objects);
        this.observe(whole.objects, true);
      }
    }
    // 2. Hot folders, and a few cold ones in turn.
    const now = this.#o.now();
    const days = [utcDay(now), utcDay(now - 86_400_000)].map((d) => `date=${d}/`);
    const hot: string[] = [];
    const cold: string[] = [];
    for (const [dir, f] of this.#folders) {
      if (now - f.lastNewAt < this.#o.hotForMs || days.some((d) => dir.endsWith(d))) hot.push(dir);
      else cold.push(dir);
    }
    const turn: string[] = [];
    for (let i = 0; i < Math.min(this.#o.coldPerPoll, cold.length); i++) turn.push(cold[(this.#cursor + i) % cold.length]!);
    this.#cursor = cold.length ? (this.#cursor + turn.length) % cold.length : 0;
    for (const dir of [...hot, ...turn]) out.push(...(await this.#listFolder(bucket, dir)));
    return out;
  }

  async #listFolder(bucket: string, dir: string): Promise<S3ObjectInfo[]> {
    const f = this.#folders.get(dir)!;
    if (f.other) return (await this.#o.list(bucket, { prefix: dir })).objects;
    const out: S3ObjectInfo[] = [];
    for (const name of f.names) {
      const { prefixes } = await this.#o.list(bucket, { prefix: name, delimiter: '+' });
      for (const group of prefixes) {
        const p = f.groups.get(group);
        const queries = p === undefined ? [{ prefix: group }] : partitionQueries(group, p);
        for (const q of queries) out.push(...(await this.#o.list(bucket, q)).objects);
      }
    }
    return out;
  }
}
