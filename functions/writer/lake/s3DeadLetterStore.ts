/** The dead-letter store on S3/MinIO: list, get, put and delete in one bucket. */
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { DeadLetterStore } from './deadLetterReplay';
import { putObject } from './objectStore';

export function s3DeadLetterStore(s3: S3Client, bucket: string): DeadLetterStore {
  return {
    async list(prefix) {
      const out: { key: string; lastModified: Date }[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of page.Contents ?? []) out.push({ key: o.Key!, lastModified: o.LastModified ?? new Date(0) });
        token = page.NextContinuationToken;
      } while (token);
      return out;
    },
    async get(key) {
      const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return res.Body!.transformToString('utf8');
    },
    put: (req) => putObject(s3, bucket, req),
    async delete(key) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}
