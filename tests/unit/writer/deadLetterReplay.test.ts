/**
 * Issue 11 item 3: dead letters listed by reason and replayed through the writer after a fix,
 * idempotently. The dead letters are the ones storeBatch wrote for real recorded envelopes.
 */
import { listDeadLetters, replayDeadLetters, storeBatch, type PutRequest } from '../../../functions/writer';
import { type DeadLetterStore } from '../../../functions/writer/lake/deadLetterReplay';
import { tableForTopic } from '../../../functions/shared/tables';
import { changeEvents, envelopeOf, loadRecording, withImage } from '../../fixtures/debezium';

const rec = loadRecording();
const events = changeEvents(rec);

class MemoryStore implements DeadLetterStore {
  readonly objects = new Map<string, { body: string | Uint8Array; at: Date }>();
  puts: string[] = [];
  async put(req: PutRequest) {
    this.puts.push(req.key);
    this.objects.set(req.key, { body: req.body, at: new Date() });
  }
  async list(prefix: string) {
    return [...this.objects].filter(([k]) => k.startsWith(prefix)).map(([key, o]) => ({ key, lastModified: o.at }));
  }
  async get(key: string) {
    return this.objects.get(key)!.body as string;
  }
  async delete(key: string) {
    this.objects.delete(key);
  }
}

describe('dead letters: list and replay', () => {
  const txn = events.find((r) => tableForTopic(r.topic) === 'transactions' && envelopeOf(r).op === 'c')!;
  const cust = events.find((r) => tableForTopic(r.topic) === 'customers' && envelopeOf(r).op === 'c')!;
  const fixable = { ...txn, topic: 'banking_server.public.transactions' };
  const poison = withImage(cust, 'after', { ...(envelopeOf(cust).after as object), email: '__debezium_unavailable_value' });

  async function withLetters() {
    const store = new MemoryStore();
    // Written by a writer configured for another topic prefix: the kind of cause fixed by config.
    await storeBatch([fixable], { sink: store, dlqPrefix: '_dlq', topicPrefix: 'old_server' });
    await storeBatch([poison], { sink: store, dlqPrefix: '_dlq' });
    return store;
  }

  it('lists them grouped by reason, filtered by topic and time', async () => {
    const store = await withLetters();
    const groups = await listDeadLetters(store, '_dlq');
    expect(groups.map((g) => g.count)).toEqual([1, 1]);
    expect(groups.some((g) => /KAFKA_TOPIC_PREFIX=old_server/.test(g.reason))).toBe(true);
    expect(groups.some((g) => /__debezium_unavailable_value/.test(g.reason))).toBe(true);
    expect(groups.find((g) => /email/.test(g.reason))!.reason).not.toMatch(/got /);
    expect(await listDeadLetters(store, '_dlq', { topic: cust.topic })).toHaveLength(1);
    expect(await listDeadLetters(store, '_dlq', { since: new Date(Date.now() + 60_000) })).toEqual([]);
  });

  it('replays into an object keyed by the record itself, moves the letter, and a second replay does nothing', async () => {
    const store = await withLetters();
    const first = await replayDeadLetters(store, { dlqPrefix: '_dlq', topicPrefix: 'banking_server' });
    expect(first.replayed).toEqual([
      {
        deadLetter: `_dlq/${txn.topic}/${txn.partition}-${txn.offset}.json`,
        object: expect.stringMatching(
          new RegExp(
            `^transactions/date=\\d{4}-\\d{2}-\\d{2}/transactions\\+${txn.partition}\\+${txn.offset}-${txn.offset}\\.parquet$`,
          ),
        ),
      },
    ]);
    expect(first.stillFailing).toEqual([
      { deadLetter: `_dlq/${cust.topic}/${cust.partition}-${cust.offset}.json`, error: expect.stringMatching(/TOAST/) },
    ]);
    const object = first.replayed[0]!.object;
    const bytes = store.objects.get(object)!.body;
    expect(store.objects.has(`_dlq-replayed/${txn.topic}/${txn.partition}-${txn.offset}.json`)).toBe(true);
    expect((await listDeadLetters(store, '_dlq')).map((g) => g.count)).toEqual([1]);

    store.puts = [];
    const second = await replayDeadLetters(store, { dlqPrefix: '_dlq', topicPrefix: 'banking_server' });
    expect(second.replayed).toEqual([]);
    expect(store.puts.filter((k) => k.endsWith('.parquet'))).toEqual([]);
    expect(store.objects.get(object)!.body).toBe(bytes);
  });
});
