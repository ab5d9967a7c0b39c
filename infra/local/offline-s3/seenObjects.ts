/**
 * Which listed or notified objects are new to an S3EventSource: the matching objects not queued
 * or delivered before by key and ETag (an overwrite is a new PUT), oldest first. Listings overlap
 * each other and the notifications, and an object seen twice is delivered once.
 */
import type { S3ObjectInfo } from './event';
import { matchesFilters, type S3Filters } from './filters';

const sortByAge = (a: S3ObjectInfo, b: S3ObjectInfo) =>
  a.lastModified.getTime() - b.lastModified.getTime() || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

export class SeenObjects {
  /** key -> ETag of every matching object already queued or delivered. */
  readonly #seen = new Map<string, string>();
  readonly #filters: S3Filters;

  constructor(filters: S3Filters) {
    this.#filters = filters;
  }

  /** After a complete listing: a deleted object is forgotten, so that a new object under its key is delivered again. */
  forgetAbsent(all: readonly S3ObjectInfo[]): void {
    const present = new Set(all.map((o) => o.key));
    for (const key of this.#seen.keys()) if (!present.has(key)) this.#seen.delete(key);
  }

  /** The objects not seen before, oldest first, marked as seen as they go. */
  fresh(objects: readonly S3ObjectInfo[]): S3ObjectInfo[] {
    return objects
      .filter((o) => {
        if (!matchesFilters(o.key, this.#filters) || this.#seen.get(o.key) === o.eTag) return false;
        this.#seen.set(o.key, o.eTag);
        return true;
      })
      .sort(sortByAge);
  }
}
