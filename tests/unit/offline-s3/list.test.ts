import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Lister } from '../../../infra/local/lib/s3List';

type Page = {
  Contents?: Array<{ Key?: string; Size?: number; ETag?: string; LastModified?: Date }>;
  IsTruncated?: boolean;
  NextContinuationToken?: string;
};

/** A stand-in for the SDK client: answers ListObjectsV2 from pages, or never (until aborted). */
function fakeClient(pages: Page[] | 'hang'): { client: S3Client; inputs: Array<Record<string, unknown>> } {
  const inputs: Array<Record<string, unknown>> = [];
  const send = (cmd: { input: Record<string, unknown> }, opts?: { abortSignal?: AbortSignal }) => {
    inputs.push(cmd.input);
    if (pages === 'hang')
      return new Promise((_, reject) => opts?.abortSignal?.addEventListener('abort', () => reject(new Error('Request aborted'))));
    return Promise.resolve(pages[inputs.length - 1]);
  };
  return { client: { send } as unknown as S3Client, inputs };
}

describe('createS3Lister', () => {
  it('follows continuation tokens, strips ETag quotes and passes the prefix', async () => {
    const t = new Date('2026-01-01T00:00:00Z');
    const { client, inputs } = fakeClient([
      { Contents: [{ Key: 'p/a', Size: 1, ETag: '"e1"', LastModified: t }], IsTruncated: true, NextContinuationToken: 'n1' },
      { Contents: [{ Key: 'p/b', Size: 2, ETag: '"e2"', LastModified: t }], IsTruncated: false },
    ]);
    const objects = await createS3Lister(client)('bkt', 'p/');
    expect(objects).toEqual([
      { key: 'p/a', size: 1, eTag: 'e1', lastModified: t },
      { key: 'p/b', size: 2, eTag: 'e2', lastModified: t },
    ]);
    expect(inputs).toEqual([
      { Bucket: 'bkt', ContinuationToken: undefined, Prefix: 'p/' },
      { Bucket: 'bkt', ContinuationToken: 'n1', Prefix: 'p/' },
    ]);
  });

  it('gives up on a page the server never answers', async () => {
    const { client } = fakeClient('hang');
    await expect(createS3Lister(client, 30)('bkt', undefined)).rejects.toThrow(/aborted/);
  });
});
