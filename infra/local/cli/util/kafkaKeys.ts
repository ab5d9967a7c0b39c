import type { KafkaMessage } from 'kafkajs';

/** The row id in a Debezium key: {"id": 5}, or {schema, payload} with schemas enabled. */
export function keyId(m: KafkaMessage): string | undefined {
  if (!m.key) return undefined;
  try {
    const k = JSON.parse(m.key.toString('utf8')) as { id?: unknown; payload?: { id?: unknown } };
    const id = k.id ?? k.payload?.id;
    return id === undefined ? undefined : String(id);
  } catch {
    return undefined;
  }
}
