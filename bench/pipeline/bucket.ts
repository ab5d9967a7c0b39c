/**
 * A bucket of the bench run's own: its objects never reach the user's lake (where a sweep would
 * load another consumer group's objects into the e2e warehouse, the same offsets cut otherwise),
 * and the pipeline under test starts on an empty lake, as a caught-up pipeline does, instead of
 * sweeping every object earlier runs left (a 6,955-object start-up sweep skewed a 5k step).
 */
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';

export interface BenchBucket {
  name: string;
  /** Objects whose LastModified is within [from, to] (epoch ms): what the writer wrote then. */
  objectsWrittenBetween(from: number, to: number): Promise<number>;
  /** Deletes every object, then the bucket. */
  remove(): Promise<void>;
}

export async function createBenchBucket(s3: S3Client, name: string): Promise<BenchBucket> {
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  return {
    name,
    async objectsWrittenBetween(from, to) {
      let n = 0;
      for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: name })) {
        for (const o of page.Contents ?? []) {
          const at = o.LastModified?.getTime();
          if (at !== undefined && at >= from && at <= to) n++;
        }
      }
      return n;
    },
    async remove() {
      for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: name })) {
        const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
        if (keys.length > 0) await s3.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: keys, Quiet: true } }));
      }
      await s3.send(new DeleteBucketCommand({ Bucket: name }));
    },
  };
}
