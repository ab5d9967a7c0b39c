/**
 * Which folders a poll lists, so that an object is found even when its notification was lost
 * (notifications.ts), without listing the whole lake. After the start-up sweep (a full listing)
 * it knows the bucket's folders, and each poll lists:
 *
 * - the folders that hold folders (root, `<table>/`), with Delimiter '/': new folders, which are
 *   then listed whole (everything in a new folder is new);
 * - hot folders, whole: those with a new object in the last `hotForMs`, or named for today's or
 *   yesterday's UTC date (`date=YYYY-MM-DD`, where the writer puts objects);
 * - `coldPerPoll` other folders in turn, so a late object in an old folder is found in bounded time.
 *
 * A poll costs what the hot folders hold (about a day of objects), not the lake. Key order is not
 * relied on: another consumer group (a replay, a second run) writes a partition's offsets again,
 * so a new object can sort anywhere in its folder (a cursor by key missed those; CI saw it).
 */
import type { ListArgs, ListQueryFn } from '../lib/s3List';
import type { S3ObjectInfo } from './event';

export type { ListArgs, ListQueryFn };

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
  lastNewAt: number;
}

const dirOf = (key: string) => key.slice(0, key.lastIndexOf('/') + 1);

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
        f = { lastNewAt: 0 };
        this.#folders.set(dir, f);
        // Every ancestor between the root and this folder holds folders.
        for (let p = dirOf(dir.slice(0, -1)); p.length >= this.#rootParent().length; p = dirOf(p.slice(0, -1))) {
          this.#parents.add(p);
          if (p === '') break;
        }
      }
      f.lastNewAt = Math.max(f.lastNewAt, areNew ? now : o.lastModified.getTime());
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
    for (const dir of [...hot, ...turn]) out.push(...(await this.#o.list(bucket, { prefix: dir })).objects);
    return out;
  }
}
