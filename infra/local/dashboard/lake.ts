/**
 * The lake as MinIO lists it: Parquet objects (count, bytes, their records by offset span) and
 * dead letters under DLQ_PREFIX, whose reasons are read from the newest few letters once each
 * (a letter never changes: it is keyed by its record's Kafka coordinates).
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseObjectKey } from '../../../functions/shared/objectKeys';
import type { ListFn } from '../lib/s3List';
import type { Reason } from './types';

export interface LakeObjectInfo {
  key: string;
  bytes: number;
  /** Records in its offset range: the rows it holds, unless some records of that range were dead letters or tombstones. */
  span: number;
  lastModified: number;
}

export interface LakeFigures {
  objects: LakeObjectInfo[];
  deadLetters: number;
  recentDeadLetters: Reason[];
}

const RECENT = 10;

export class LakeReader {
  private readonly reasons = new Map<string, string>();

  constructor(
    private readonly s3: S3Client,
    private readonly list: ListFn,
    private readonly bucket: string,
    private readonly dlqPrefix: string,
  ) {}

  async read(): Promise<LakeFigures> {
    const all = await this.list(this.bucket, undefined);
    const objects: LakeObjectInfo[] = [];
    const letters: { key: string; at: number }[] = [];
    const dlq = `${this.dlqPrefix.replace(/\/+$/, '')}/`;
    for (const o of all) {
      if (o.key.startsWith(dlq)) {
        letters.push({ key: o.key, at: o.lastModified.getTime() });
        continue;
      }
      const c = parseObjectKey(o.key);
      if (!c) continue;
      const span = Number(BigInt(c.lastOffset) - BigInt(c.firstOffset)) + 1;
      objects.push({ key: o.key, bytes: o.size, span, lastModified: o.lastModified.getTime() });
    }
    letters.sort((a, b) => b.at - a.at);
    const recent = letters.slice(0, RECENT);
    await Promise.all(recent.map((l) => this.reasonOf(l.key)));
    return {
      objects,
      deadLetters: letters.length,
      recentDeadLetters: recent.map((l) => ({ key: l.key, at: l.at, reason: this.reasons.get(l.key) ?? '(unreadable)' })),
    };
  }

  private async reasonOf(key: string): Promise<void> {
    if (this.reasons.has(key)) return;
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
        abortSignal: AbortSignal.timeout(5000),
      });
      const body = JSON.parse((await res.Body?.transformToString()) ?? '{}') as { error?: unknown };
      this.reasons.set(key, typeof body.error === 'string' ? body.error : '(no reason recorded)');
    } catch (err) {
      // Not cached: read again next time.
      this.reasons.set(key, `(could not read: ${err instanceof Error ? err.message : String(err)})`);
      setTimeout(() => this.reasons.delete(key), 30_000).unref();
    }
  }
}
