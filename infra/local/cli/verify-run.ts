/**
 * `npm run verify` without pausing anything: Postgres's snapshot at a watermark (functions/reconcile
 * watermark.ts), then a wait until RAW holds every change up to it, then the comparison, appended
 * to the hash-chained audit log.
 *
 * RAW is complete up to the watermark once (1) the replication slot's confirmed LSN has passed it,
 * so Debezium has put every change committed before it into Kafka; (2) the writer's consumer
 * groups have committed the topics' end offsets read after that, so those records are in lake
 * objects; and (3) each lake object holding offsets below those ends is in the warehouse's ledger,
 * or its offsets are covered by ledgered objects (another run cut the same records at other
 * offsets). The dbt marts are then compared with RAW at the cut their build allows
 * (functions/reconcile/marts.ts).
 */
import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { s3ObjectStore } from '../../../functions/loader/s3ObjectStore';
import { Kafka, logLevel } from 'kafkajs';
import { parseLakeKey } from '../../../functions/shared/objectKeys';
import { createS3Client } from '../../../functions/shared/s3';
import { connectSource } from './util/sourceClient';
import { TABLE_NAMES, topicFor } from '../../../functions/shared/tables';
import { sourceAtWatermark, verifyAtWatermark, type WatermarkVerification } from '../../../functions/reconcile/watermark';
import { appendAudit, type AuditEntry } from '../../../functions/reconcile/auditLog';
import { verifyMarts, type MartsVerification } from '../../../functions/reconcile/marts';
import { SLOT } from '../stack/debezium/connector-config';
import { createS3Lister } from '../lib/s3List';
import { fallbackGroups } from '../dashboard/consumerGroups';
import { kafkaBrokers, type Settings } from '../stack/settings';
import { sleep } from '../stack/proc';
import { withWarehouse } from './util/warehouse';

export interface VerifyOptions {
  cfg: Settings;
  warehousePath: string;
  /** The writer's consumer-group prefix (the consumerGroupId param; KAFKA_GROUP by default). */
  group: string;
  auditLog: string;
  timeoutMs: number;
  /** Fail when a mart is not built (or built before it carried the columns a cut needs). */
  requireMarts?: boolean;
  /** Run once RAW holds the watermark, before the warehouse is read (a test builds the marts there). */
  beforeCompare?: () => Promise<void>;
  log?: (m: string) => void;
}

export interface VerifyReport extends WatermarkVerification {
  /** RAW's part alone (ok covers the marts too). */
  rawOk: boolean;
  marts: MartsVerification;
  at: string;
  warehousePath: string;
  /** How long RAW took to reach the watermark. */
  waitedMs: number;
  audit: { file: string; hash: string };
}

export function defaultAuditLog(stackDir: string): string {
  return join(stackDir, 'verify', 'audit.jsonl');
}

export async function runVerify(o: VerifyOptions): Promise<VerifyReport> {
  const log = o.log ?? (() => undefined);
  const deadline = Date.now() + o.timeoutMs;
  const waitFor = async (what: string, check: () => Promise<string | true>) => {
    for (;;) {
      const r = await check();
      if (r === true) return;
      if (Date.now() > deadline) throw new Error(`RAW did not reach the watermark in ${o.timeoutMs / 1000}s: ${what}: ${r}`);
      await sleep(1000);
    }
  };
  const pg = await connectSource(o.cfg, log);
  const kafka = new Kafka({ clientId: 'verify', brokers: kafkaBrokers(o.cfg), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const t0 = Date.now();
  try {
    const src = await sourceAtWatermark(pg);
    const w = BigInt(src.watermark.lsnNumber);
    log(`watermark LSN ${src.watermark.lsn}, snapshot ${src.watermark.snapshot}`);
    await waitFor('Debezium has not streamed past it', async () => {
      const r = await pg.query<{ lsn: string | null }>(
        'SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1',
        [SLOT],
      );
      const lsn = r.rows[0]?.lsn;
      if (!lsn) return `no replication slot ${SLOT}`;
      return BigInt((await pg.query<{ n: string }>('SELECT ($1::pg_lsn - $2::pg_lsn)::text AS n', [lsn, '0/0'])).rows[0]!.n) >= w
        ? true
        : `slot confirmed ${lsn}`;
    });
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const ends = new Map<string, bigint>(); // `${topic}:${partition}` -> end offset
    for (const t of TABLE_NAMES) {
      const topic = topicFor(t, o.cfg.KAFKA_TOPIC_PREFIX);
      if (!existing.has(topic)) continue;
      for (const p of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}:${p.partition}`, BigInt(p.high));
    }
    const groups = fallbackGroups(o.cfg, { consumerGroupId: o.group }).filter((g) => g.topics.some((t) => existing.has(t)));
    await waitFor('the writer has not committed every record below the ends', async () => {
      for (const g of groups) {
        for (const t of await admin.fetchOffsets({ groupId: g.groupId, topics: g.topics.filter((x) => existing.has(x)) })) {
          for (const p of t.partitions) {
            const end = ends.get(`${t.topic}:${p.partition}`) ?? 0n;
            if (end > 0n && BigInt(p.offset) < end) return `${g.groupId} ${t.topic}[${p.partition}] at ${p.offset} of ${end}`;
          }
        }
      }
      return true;
    });
    const s3 = createS3Client(o.cfg);
    const list = createS3Lister(s3);
    await waitFor('lake objects below the ends are not loaded yet', async () => {
      const objects = (await list(o.cfg.MINIO_BUCKET, undefined)).flatMap((x) => {
        try {
          return [parseLakeKey(x.key)];
        } catch {
          return []; // dead letters and anything else that is not a lake object
        }
      });
      const wanted = objects.filter((k) => {
        const end = ends.get(`${topicFor(k.table, o.cfg.KAFKA_TOPIC_PREFIX)}:${k.partition}`);
        return end !== undefined && k.firstOffset < end;
      });
      const loaded = await withWarehouse(o.warehousePath, async (db) =>
        (await db.runAndReadAll('SELECT object_key FROM raw._loads')).getRows().map((r) => String(r[0])),
      ).catch(() => [] as string[]);
      const waiting = notCovered(wanted, new Set(loaded));
      return waiting.length === 0 ? true : `${waiting.length} waiting, e.g. ${waiting[0]}`;
    });
    const waitedMs = Date.now() - t0;
    await o.beforeCompare?.();
    // A manifest mismatch is compared row by row with the object itself, fetched from the lake.
    const tmp = await mkdtemp(join(tmpdir(), 'verify-'));
    const store = s3ObjectStore(s3);
    let n = 0;
    const objectFile = async (key: string) => {
      const file = join(tmp, `${++n}.parquet`);
      await store.download(o.cfg.MINIO_BUCKET, key, file);
      return file;
    };
    const [raw, marts] = await withWarehouse(
      o.warehousePath,
      async (db) => [await verifyAtWatermark(src, db, 'raw', objectFile), await verifyMarts(db, src.watermark, 'raw')] as const,
    ).finally(() => rm(tmp, { recursive: true, force: true }));
    // Marts not built yet (no dbt build) are said, not failed, unless they are required.
    const missing = marts.notBuilt.length + marts.oldLayout.length > 0;
    const ok = raw.ok && marts.ok && !(o.requireMarts && missing);
    const at = new Date().toISOString();
    const result = { ...raw, ok, rawOk: raw.ok, marts };
    const entry: AuditEntry = appendAudit(o.auditLog, { at, warehousePath: o.warehousePath, waitedMs, ...result });
    return { at, warehousePath: o.warehousePath, waitedMs, ...result, audit: { file: o.auditLog, hash: entry.hash } };
  } finally {
    await Promise.allSettled([pg.end(), admin.disconnect()]);
  }
}

/**
 * Objects not in the ledger whose offsets the ledgered objects of the same (table, epoch, partition,
 * date) do not cover. The date too: a batch is cut per commit date, and commit times are not quite in
 * commit order, so around midnight one batch's objects of two dates interleave offsets; an object of
 * the other date spanning a record does not hold it. The epoch too: offsets restart in a new epoch.
 */
export function notCovered(objects: ReturnType<typeof parseLakeKey>[], ledger: ReadonlySet<string>): string[] {
  const idOf = (k: ReturnType<typeof parseLakeKey>) => `${k.table}:${k.epoch}:${k.partition}:${k.date}`;
  const ranges = new Map<string, Array<[bigint, bigint]>>();
  for (const k of objects) {
    if (!ledger.has(k.key)) continue;
    const id = idOf(k);
    ranges.set(id, [...(ranges.get(id) ?? []), [k.firstOffset, k.lastOffset]]);
  }
  const covered = (id: string, first: bigint, last: bigint) => {
    const rs = (ranges.get(id) ?? []).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    let next = first;
    for (const [a, b] of rs) {
      if (a > next) break;
      if (b >= next) next = b + 1n;
      if (next > last) return true;
    }
    return next > last;
  };
  return objects.filter((k) => !ledger.has(k.key) && !covered(idOf(k), k.firstOffset, k.lastOffset)).map((k) => k.key);
}
