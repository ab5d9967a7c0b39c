/**
 * The one S3 client factory: MinIO locally (path-style, endpoint and keys from config); an empty
 * MINIO_ENDPOINT means real AWS S3 with the default credential chain (the Lambda role).
 */
import { S3Client } from '@aws-sdk/client-s3';
/** The S3 part of a function's configuration (config.ts lakeShape). */
export interface S3Settings {
  MINIO_ENDPOINT: string;
  MINIO_ACCESS_KEY: string;
  MINIO_SECRET_KEY: string;
  AWS_REGION: string;
}

/**
 * The SDK sets no timeout by default: a request the server never answers would hold an
 * invocation until Lambda's timeout (the bench saw writer invocations hang for 120 s). With these,
 * a silent socket fails the request and the SDK retries it (3 attempts).
 */
const requestHandler = { connectionTimeout: 5_000, requestTimeout: 30_000 };

export function createS3Client(cfg: S3Settings): S3Client {
  if (!cfg.MINIO_ENDPOINT) return new S3Client({ region: cfg.AWS_REGION, requestHandler });
  return new S3Client({
    region: cfg.AWS_REGION,
    requestHandler,
    endpoint: cfg.MINIO_ENDPOINT,
    forcePathStyle: true,
    credentials: { accessKeyId: cfg.MINIO_ACCESS_KEY, secretAccessKey: cfg.MINIO_SECRET_KEY },
  });
}
