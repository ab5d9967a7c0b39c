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
