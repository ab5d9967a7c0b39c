/** The dead-letter store on S3/MinIO: list, get, put and delete in one bucket. */
import { DeleteObjectCommand, GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import type { DeadLetterStore } from './deadLetterReplay';
import { putObject } from './putObject';

export function s3DeadLetterStore(s3: S3Client, bucket: string): DeadLetterStore {
  return {
    async list(prefix) {
      const out: { key: string; lastModified: Date }[] = [];
      for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
        for (const o of page.Contents ?? []) out.push({ key: o.Key!, lastModified: o.LastModified ?? new Date(0) });
      }
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
