/**
 * The one S3 client factory: MinIO locally (path-style, endpoint and keys from config); an empty
 * MINIO_ENDPOINT means real AWS S3 with the default credential chain (the Lambda role).
 */
import { S3Client } from '@aws-sdk/client-s3';
import type { Config } from './config';

export type S3Settings = Pick<Config, 'MINIO_ENDPOINT' | 'MINIO_ACCESS_KEY' | 'MINIO_SECRET_KEY' | 'AWS_REGION'>;

export function s3ClientFromConfig(cfg: S3Settings): S3Client {
  if (!cfg.MINIO_ENDPOINT) return new S3Client({ region: cfg.AWS_REGION });
  return new S3Client({
    region: cfg.AWS_REGION,
    endpoint: cfg.MINIO_ENDPOINT,
    forcePathStyle: true,
    credentials: { accessKeyId: cfg.MINIO_ACCESS_KEY, secretAccessKey: cfg.MINIO_SECRET_KEY },
  });
}
