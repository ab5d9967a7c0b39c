/**
 * Fault injection helpers for tests/faults: seeded random moments, watching sls offline's log,
 * SIGKILL of stack services by pid file, re-driving S3 notifications lost with a killed process,
 * and counting the duplicates a crash leaves in RAW.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings } from '../../infra/local/stack/settings';
import { TABLE_NAMES, TABLES } from '../../functions/shared/tables';
import { parseObjectKey } from '../../functions/shared/objectKeys';
import { loadObjects, type LoadReport } from '../../functions/loader/loader';
import { objectStoreFromConfig, warehouseFromConfig } from '../../functions/loader/fromConfig';
import { withWarehouse } from '../../infra/local/cli/util/warehouse';
import { makeContext } from '../../infra/local/stack/context';
import { isAlive, readPid, sleep } from '../../infra/local/stack/proc';

export const fileSize = (path: string): number => (existsSync(path) ? statSync(path).size : 0);

/** The log's text between two byte offsets. */
export function readSlice(path: string, from: number, to = fileSize(path)): string {
  if (to <= from) return '';
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(to - from);
    readSync(fd, buf, 0, buf.length, from);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Resolve as soon as a line matching `re` is appended after byte `from`. Polls every 2 ms: the
 * point is to SIGKILL inside a window that lasts milliseconds (the writer has stored its objects
 * but its invocation has not returned, so its offsets are not committed yet).
 */
export async function waitForLine(path: string, from: number, re: RegExp, giveUpMs: number): Promise<string> {
  const deadline = Date.now() + giveUpMs;
  let scanned = from;
  let partial = '';
  for (;;) {
    const size = fileSize(path);
    if (size > scanned) {
      const text = partial + readSlice(path, scanned, size);
      scanned = size;
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      const hit = lines.find((l) => re.test(l));
      if (hit) return hit;
    }
    if (Date.now() > deadline) throw new Error(`no line matching ${re} in ${path} within ${giveUpMs / 1000}s`);
    await sleep(2);
  }
}

/** Poll `check` every 2 ms until true (or give up). */
export async function waitUntil(check: () => boolean, giveUpMs: number, what: string): Promise<void> {
  const deadline = Date.now() + giveUpMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${giveUpMs / 1000}s`);
    await sleep(2);
  }
}

/** kill -9 a stack service (its whole process group) by its pid file; resolves once it is gone. */
export async function killService(cfg: Settings, service: 'kafka' | 'connect' | 'minio'): Promise<number> {
  const ctx = makeContext({ quiet: true, cfg });
  const pidFile = join(ctx.stackDir, service, `${service}.pid`);
  const pid = readPid(pidFile);
  if (pid === undefined || !isAlive(pid)) throw new Error(`${service} is not running (pid file ${pidFile})`);
  try {
    process.kill(-pid, 'SIGKILL'); // the group: a wrapper script and its JVM alike
  } catch {
    process.kill(pid, 'SIGKILL');
  }
  while (isAlive(pid)) await sleep(50);
  return pid;
}

/** Object keys the writer reported as stored ("batch stored" log lines) in a slice of the log. */
export function storedKeys(logText: string): string[] {
  const keys: string[] = [];
  for (const line of logText.split('\n')) {
    if (!line.startsWith('{') || !line.includes('"batch stored"')) continue;
    try {
      const entry = JSON.parse(line) as { keys?: unknown };
      if (Array.isArray(entry.keys)) keys.push(...entry.keys.filter((k): k is string => typeof k === 'string'));
    } catch {
      /* a line cut by the kill */
    }
  }
  return keys;
}

/**
 * Batches the writer stored ("batch stored" keys) whose invocation never returned to offline-kafka
 * (no "offline-kafka: writeBatch <topic>-<p> offsets a..b ... invoked in" line covers their offsets)
 * in a slice of the log: stored but not acknowledged, so Kafka delivers them again. Matched batch by
 * batch, by offsets: the handler's and the event source's lines are written by different streams, and
 * a kill -9 can cut either, so comparing the two lines' totals can even come out negative.
 */
export function unacknowledgedBatches(logText: string): string[][] {
  const acks: Array<{ topic: string; partition: number; first: bigint; last: bigint }> = [];
  for (const m of logText.matchAll(/offline-kafka: writeBatch (\S+)-(\d+) offsets (\d+)\.\.(\d+) .* invoked in/g)) {
    acks.push({ topic: m[1]!, partition: Number(m[2]), first: BigInt(m[3]!), last: BigInt(m[4]!) });
  }
  const covered = (key: string): boolean => {
    const k = parseObjectKey(key);
    return (
      k !== undefined &&
      acks.some(
        (a) =>
          a.topic.endsWith(`.${k.table}`) && a.partition === k.partition && a.first <= k.firstOffset && k.lastOffset <= a.last,
      )
    );
  };
  const batches = logText
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes('"batch stored"'))
    .map((l) => storedKeys(l))
    .filter((keys) => keys.length > 0);
  return batches.filter((keys) => !keys.every(covered));
}

/**
 * An S3 event being handled (or still queued) when sls offline is killed dies with it, although
 * its object is durable in MinIO. On AWS, S3 invokes the loader asynchronously and Lambda retries
 * a crashed invocation; locally the restarted offline S3 plugin (infra/local/offline-s3) sweeps the
 * bucket and delivers every object again, and this explicit re-drive (what `npm run backfill`
 * does) loads the killed process's objects at once, without waiting for that sweep. This re-drives exactly the objects the killed process's
 * writer had stored; the ledger skips those already loaded, so it can load nothing twice.
 */
export async function redriveLostNotifications(
  cfg: Settings,
  warehousePath: string,
  keys: readonly string[],
): Promise<LoadReport> {
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const wcfg = { ...cfg, WAREHOUSE_PATH: warehousePath };
  return loadObjects(
    [...new Set(keys)].map((key) => ({ bucket: cfg.MINIO_BUCKET, key })),
    { warehouse: warehouseFromConfig(wcfg, quiet), store: objectStoreFromConfig(wcfg), log: quiet, dlqPrefix: cfg.DLQ_PREFIX },
  );
}

export interface Duplicates {
  /** Kafka records (topic, partition, offset) present in RAW from more than one object. */
  recordsInSeveralObjects: number;
  /** Extra RAW rows those records add. */
  extraRows: number;
  /** Changes (key, LSN, op) that Kafka holds more than once (a producer re-sent them). */
  changesAtSeveralOffsets: number;
}

/**
 * What a crash leaves in the append-only RAW change log. A batch the writer stored but could not
 * commit is consumed again after a restart, possibly cut at other offsets, so its records can land
 * in two objects; the loader inserts a record already in RAW only once (the scenarios assert it).
 * Debezium re-emits changes after a Connect crash (at-least-once) at new Kafka offsets: that does
 * not change the current state (latest change per key by LSN, then offset), and is counted and
 * reported here so that a regression in that area is visible.
 */
export async function countDuplicates(warehousePath: string): Promise<Duplicates> {
  return withWarehouse(warehousePath, async (db) => {
    const out: Duplicates = { recordsInSeveralObjects: 0, extraRows: 0, changesAtSeveralOffsets: 0 };
    for (const t of TABLE_NAMES) {
      const coords = (
        await db.runAndReadAll(
          `SELECT count(*), coalesce(sum(n - 1), 0) FROM (
             SELECT count(DISTINCT _file) AS files, count(*) AS n FROM raw.${t}
             GROUP BY _kafka_topic, _kafka_partition, _kafka_offset) WHERE files > 1`,
        )
      ).getRows()[0]!;
      out.recordsInSeveralObjects += Number(coords[0]);
      out.extraRows += Number(coords[1]);
      const key = TABLES[t].key.map((k) => `"${k}"`).join(', ');
      const changes = (
        await db.runAndReadAll(
          `SELECT count(*) FROM (
             SELECT count(DISTINCT (_kafka_partition, _kafka_offset)) AS offsets FROM raw.${t}
             GROUP BY ${key}, _lsn, _op) WHERE offsets > 1`,
        )
      ).getRows()[0]!;
      out.changesAtSeveralOffsets += Number(changes[0]);
    }
    return out;
  });
}

export const diffDuplicates = (after: Duplicates, before: Duplicates): Duplicates => ({
  recordsInSeveralObjects: after.recordsInSeveralObjects - before.recordsInSeveralObjects,
  extraRows: after.extraRows - before.extraRows,
  changesAtSeveralOffsets: after.changesAtSeveralOffsets - before.changesAtSeveralOffsets,
});
