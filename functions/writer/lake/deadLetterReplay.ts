/**
 * Dead letters after the fact: list them by reason, and replay them through the writer once the
 * cause is fixed (a tables.ts change, a connector setting, a writer fix).
 *
 * Replay is idempotent. Each record is stored on its own with its Kafka coordinates, so its object
 * key is `<table>+<partition>+<offset>-<offset>.parquet` whatever else the lake holds, and a rerun
 * rewrites the same key with the same bytes (the loader's ledger loads a key once; staging
 * deduplicates on topic, partition and offset). Once stored, the dead letter is moved under
 * `<dlqPrefix>-replayed/`, so a second replay finds nothing to do. A record that still cannot be
 * stored stays a dead letter, with its new reason.
 */
import type { KafkaRecordIn } from '../decode/decodeRecord';
import { errorMessage } from '../../shared/errors';
import type { DeadLetter } from './deadLetter';
import { storeBatch, type ObjectSink } from './storeBatch';

export interface DeadLetterStore extends ObjectSink {
  /** Keys under a prefix, with their last-modified time. */
  list(prefix: string): Promise<{ key: string; lastModified: Date }[]>;
  get(key: string): Promise<string>;
  delete(key: string): Promise<void>;
}

export interface DeadLetterFilter {
  topic?: string;
  /** Only dead letters written at or after this instant. */
  since?: Date;
}

export interface ReasonGroup {
  reason: string;
  count: number;
  topics: string[];
  keys: string[];
}

export interface ReplayReport {
  replayed: { deadLetter: string; object: string }[];
  stillFailing: { deadLetter: string; error: string }[];
  tombstones: number;
}

export const replayedPrefix = (dlqPrefix: string) => `${dlqPrefix.replace(/\/+$/, '')}-replayed`;

/** The reason without the offending value, so one cause is one group ("..., got 12.345"). */
export function reasonGroup(error: string): string {
  const cut = error.indexOf(', got ');
  return cut < 0 ? error : error.slice(0, cut);
}

async function letters(store: DeadLetterStore, dlqPrefix: string, filter: DeadLetterFilter) {
  const base = `${dlqPrefix.replace(/\/+$/, '')}/${filter.topic ? `${filter.topic}/` : ''}`;
  const keys = (await store.list(base)).filter(
    (o) => o.key.endsWith('.json') && (!filter.since || o.lastModified >= filter.since),
  );
  const out: { key: string; letter: DeadLetter }[] = [];
  for (const { key } of keys) out.push({ key, letter: JSON.parse(await store.get(key)) as DeadLetter });
  return out;
}

export async function listDeadLetters(
  store: DeadLetterStore,
  dlqPrefix: string,
  filter: DeadLetterFilter = {},
): Promise<ReasonGroup[]> {
  const groups = new Map<string, ReasonGroup>();
  for (const { key, letter } of await letters(store, dlqPrefix, filter)) {
    const reason = reasonGroup(letter.error);
    let g = groups.get(reason);
    if (!g) groups.set(reason, (g = { reason, count: 0, topics: [], keys: [] }));
    g.count++;
    g.keys.push(key);
    if (!g.topics.includes(letter.topic)) g.topics.push(letter.topic);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

export async function replayDeadLetters(
  store: DeadLetterStore,
  opts: { dlqPrefix: string; topicPrefix?: string; filter?: DeadLetterFilter },
): Promise<ReplayReport> {
  const report: ReplayReport = { replayed: [], stillFailing: [], tombstones: 0 };
  for (const { key, letter } of await letters(store, opts.dlqPrefix, opts.filter ?? {})) {
    const record: KafkaRecordIn = {
      topic: letter.topic,
      partition: letter.partition,
      offset: letter.offset,
      timestamp: letter.timestamp ?? undefined,
      key: letter.key,
      value: letter.value,
    };
    try {
      const result = await storeBatch([record], {
        sink: store,
        dlqPrefix: opts.dlqPrefix,
        topicPrefix: opts.topicPrefix,
        epoch: letter.epoch ?? 0,
      });
      if (result.deadLetters.length) {
        report.stillFailing.push({ deadLetter: key, error: result.deadLetters[0]!.error });
        continue;
      }
      if (result.tombstones) report.tombstones++;
      const object = result.objects[0]?.key ?? '(tombstone: nothing to store)';
      // Stored first, then moved: a crash in between replays it again, to the same key and bytes.
      const moved = key.replace(opts.dlqPrefix.replace(/\/+$/, ''), replayedPrefix(opts.dlqPrefix));
      const body = JSON.stringify({ ...letter, replayedAt: new Date().toISOString(), object }, null, 2);
      await store.put({ key: moved, body, contentType: 'application/json' });
      await store.delete(key);
      report.replayed.push({ deadLetter: key, object });
    } catch (err) {
      // An object store failure: stop, nothing half-done is lost (the dead letter is still there).
      throw new Error(`replay stopped at ${key}: ${errorMessage(err)}`, { cause: err });
    }
  }
  return report;
}
