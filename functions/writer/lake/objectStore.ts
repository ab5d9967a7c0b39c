/**
 * The S3 client and PUTs. MinIO locally (path-style, endpoint from config); an empty
 * MINIO_ENDPOINT means real AWS S3 with the default credential chain.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ServiceError } from '../../shared/errors';

export interface PutRequest {
  key: string;
  body: Uint8Array | string;
  contentType: string;
}

/** Stores one object; the SDK already retries throttling and 5xx, so a failure here is final. */
export async function putObject(s3: S3Client, bucket: string, req: PutRequest): Promise<void> {
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: req.key, Body: req.body, ContentType: req.contentType }));
  } catch (err) {
    throw new ServiceError('s3', `PUT s3://${bucket}/${req.key} failed: ${(err as Error).message}`, { cause: err });
  }
}

/** Runs fn over items with at most `limit` in flight; settles every one before returning. */
export async function settleAllBounded<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<PromiseSettledResult<void>[]> {
  const results = new Array<PromiseSettledResult<void>>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        await fn(items[i]!);
        results[i] = { status: 'fulfilled', value: undefined };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
