/**
 * Kafka's figures from two cheap admin requests per topic and group: end offsets (what Debezium
 * captured) and the writer groups' committed offsets (what the writer has stored in the lake:
 * the event source commits only after writeBatch returned). Lag = end - committed per partition.
 */
import type { Admin } from 'kafkajs';
import type { GroupTopics } from './consumerGroups';
import type { PartitionLag } from './types';

export interface KafkaFigures {
  /** Records in the topics (end offset minus low watermark, summed). */
  captured: number;
  /** Records the writer groups have committed (summed committed offsets). */
  written: number;
  partitions: PartitionLag[];
}

export async function readKafka(admin: Admin, groups: readonly GroupTopics[]): Promise<KafkaFigures> {
  // Only topics that exist: Debezium creates them with its first change, and kafkajs retries a
  // missing topic for seconds.
  const existing = new Set(await admin.listTopics());
  const topics = [...new Set(groups.flatMap((g) => g.topics))].filter((t) => existing.has(t));
  const ends = new Map<string, number>();
  let captured = 0;
  await Promise.all(
    topics.map(async (topic) => {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        ends.set(`${topic}:${p.partition}`, Number(p.high));
        captured += Number(p.high) - Number(p.low);
      }
    }),
  );
  const partitions: PartitionLag[] = [];
  let written = 0;
  for (const g of groups) {
    const mine = g.topics.filter((t) => existing.has(t));
    if (!mine.length) continue;
    for (const t of await admin.fetchOffsets({ groupId: g.groupId, topics: mine })) {
      for (const p of t.partitions) {
        const end = ends.get(`${t.topic}:${p.partition}`) ?? 0;
        // -1: the group has committed nothing on this partition yet.
        const committed = Number(p.offset) >= 0 ? Number(p.offset) : null;
        if (committed !== null) written += committed;
        partitions.push({
          groupId: g.groupId,
          topic: t.topic,
          partition: p.partition,
          end,
          committed,
          lag: end - (committed ?? 0),
        });
      }
    }
  }
  partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return { captured, written, partitions };
}
