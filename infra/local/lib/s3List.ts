/**
 * Lists a bucket with ListObjectsV2, every page, for the S3 event emulator and the pipeline page. The
 * client is the project's own (functions/shared/s3.ts createS3Client): MinIO locally at
 * MINIO_ENDPOINT, path-style, with MINIO_ACCESS_KEY / MINIO_SECRET_KEY. Hand-paged rather than through
 * the SDK's paginator: each page gets its own timeout (the paginator passes one request option to
 * every page, so a timeout there would bound the whole listing).
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/** An object as a listing shows it. */
export interface S3ObjectInfo {
  key: string;
  size: number;
  /** Without the quotes ListObjectsV2 puts around it (S3 events carry it bare). */
  eTag: string;
  lastModified: Date;
}

export function stripETagQuotes(eTag: string): string {
  return eTag.replace(/^"+|"+$/g, '');
}

export interface ListArgs {
  prefix: string;
  delimiter?: string;
}

/** Every page of one ListObjectsV2 query: the objects, and the common prefixes with a delimiter. */
export type ListQueryFn = (bucket: string, args: ListArgs) => Promise<{ objects: S3ObjectInfo[]; prefixes: string[] }>;

/** Every object under `prefix` (all of them when undefined). */
export type ListFn = (bucket: string, prefix: string | undefined) => Promise<S3ObjectInfo[]>;

/**
 * The SDK sets no request timeout by default, so a request the server never answers would stall
 * polling for good; a page gets this long, then the listing fails and the next poll retries.
 */
export const LIST_PAGE_TIMEOUT_MS = 30_000;

export function createS3Lister(client: S3Client, pageTimeoutMs = LIST_PAGE_TIMEOUT_MS): ListFn {
  const query = createS3Query(client, pageTimeoutMs);
  return async (bucket, prefix) => (await query(bucket, { prefix: prefix ?? '' })).objects;
}

/** One ListObjectsV2 query (Prefix, Delimiter), every page. */
export function createS3Query(client: S3Client, pageTimeoutMs = LIST_PAGE_TIMEOUT_MS): ListQueryFn {
  return async (bucket, args) => {
    const out: S3ObjectInfo[] = [];
    const prefixes: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          ContinuationToken: token,
          ...(args.prefix ? { Prefix: args.prefix } : {}),
          ...(args.delimiter ? { Delimiter: args.delimiter } : {}),
        }),
        { abortSignal: AbortSignal.timeout(pageTimeoutMs) },
      );
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) prefixes.push(p.Prefix);
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined) continue;
        out.push({
          key: o.Key,
          size: o.Size ?? 0,
          eTag: stripETagQuotes(o.ETag ?? ''),
          lastModified: o.LastModified ?? new Date(0),
        });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return { objects: out, prefixes };
  };
}
