/** A record that could not be decoded, kept whole (raw base64 as received) with the reason. */
import type { KafkaRecordIn } from '../decode/decodeRecord';
import { deadLetterKey } from '../../shared/objectKeys';

export interface DeadLetter {
  error: string;
  topic: string;
  partition: number;
  offset: number;
  timestamp: number | null;
  key: string | null;
  value: string | null;
  /** The record-identity epoch it was read under (KAFKA_EPOCH); absent in letters written before epochs (0). */
  epoch?: number;
}

export function deadLetter(record: KafkaRecordIn, error: string, epoch = 0): DeadLetter {
  return {
    ...(epoch === 0 ? {} : { epoch }),
    error,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp ?? null,
    key: record.key ?? null,
    value: record.value ?? null,
  };
}

export function deadLetterObject(prefix: string, letter: DeadLetter): { key: string; body: string } {
  return {
    key: deadLetterKey(prefix, letter.topic, letter.partition, letter.offset, letter.epoch),
    body: JSON.stringify(letter, null, 2),
  };
}
