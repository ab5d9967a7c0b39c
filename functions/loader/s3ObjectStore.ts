/** The object store as the loader sees it: download one object, list a prefix. S3 or MinIO. */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand, NoSuchKey, S3Client, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { ServiceError, errorMessage } from '../shared/errors';
import { ObjectMissingError } from './errors';

export interface ListedObject {
  key: string;
  etag: string | null;
  size: number;
  /** When the object was stored (epoch ms), as the listing says; the sweep's watermark compares it. */
  lastModified?: number;
}

export interface ObjectStore {
  /** Stream the object to a local file; resolves with its ETag. Throws ObjectMissingError if absent. */
  download(bucket: string, key: string, toFile: string): Promise<{ etag: string | null }>;
  /** Every object under the prefix, following continuation tokens. */
  list(bucket: string, prefix: string): AsyncIterable<ListedObject>;
  /** The same, a listing page (up to 1,000 keys) at a time, after `startAfter` when given (a resumed sweep). */
  listPages?(bucket: string, prefix: string, startAfter?: string): AsyncIterable<ListedObject[]>;
}

/** S3 ETags arrive quoted. */
export function cleanEtag(etag: string | undefined): string | null {
  return etag ? etag.replace(/^"|"$/g, '') : null;
}

export function s3ObjectStore(client: S3Client): ObjectStore {
  return {
    async download(bucket, key, toFile) {
      let res;
      try {
        res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      } catch (err) {
        if (err instanceof NoSuchKey) throw new ObjectMissingError(`s3://${bucket}/${key} does not exist`);
        throw new ServiceError('object store', `GetObject s3://${bucket}/${key} failed: ${errorMessage(err)}`, { cause: err });
      }
      if (!res.Body) throw new ServiceError('object store', `GetObject s3://${bucket}/${key} returned no body`);
      await pipeline(res.Body as Readable, createWriteStream(toFile));
      return { etag: cleanEtag(res.ETag) };
    },
    async *list(bucket, prefix) {
      for await (const page of this.listPages!(bucket, prefix)) yield* page;
    },
    async *listPages(bucket, prefix, startAfter) {
      const pages = paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix, StartAfter: startAfter });
      const it = pages[Symbol.asyncIterator]();
      for (;;) {
        let next;
        try {
          next = await it.next();
        } catch (err) {
          throw new ServiceError('object store', `ListObjectsV2 s3://${bucket}/${prefix} failed: ${errorMessage(err)}`, {
            cause: err,
          });
        }
        if (next.done) return;
        const page: ListedObject[] = [];
        for (const o of next.value.Contents ?? [])
          if (o.Key)
            page.push({ key: o.Key, etag: cleanEtag(o.ETag), size: o.Size ?? 0, lastModified: o.LastModified?.getTime() });
        yield page;
      }
    },
  };
}
