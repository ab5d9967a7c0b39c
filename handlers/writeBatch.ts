/**
 * Kafka-triggered (self-managed Kafka or MSK): Debezium change events -> Parquet objects in S3.
 * Returns only after every object is stored; throws otherwise so the event source retries the batch.
 */
import { createS3Client, loadWriterConfig, putObject, storeBatch } from '../functions/writer';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { validateKafkaEvent } from './kafkaEvent';
import { lambda, logger } from './middleware';
import { recordBatch } from './metrics';
import { isWarmUpEvent, warmUpWriter, type WarmUpResult } from '../functions/writer/warmUp';

// One client per container: reused connections across invocations.
const cfg = loadWriterConfig();
const s3 = createS3Client(cfg);
const sink = { put: (req: Parameters<typeof putObject>[2]) => putObject(s3, cfg.MINIO_BUCKET, req) };

const storeEvent = lambda(validateKafkaEvent, async (event) => {
  const records = Object.values(event.records).flat();
  const result = await storeBatch(records, {
    sink,
    dlqPrefix: cfg.DLQ_PREFIX,
    topicPrefix: cfg.KAFKA_TOPIC_PREFIX,
    epoch: cfg.KAFKA_EPOCH,
  });
  recordBatch(records, result);
  logger.info('batch stored', {
    eventSource: event.eventSource,
    records: records.length,
    rowsByTable: result.rowsByTable,
    tombstones: result.tombstones,
    duplicates: result.duplicates,
    keys: result.objects.map((o) => o.key),
    extraColumns: [...new Set(result.objects.flatMap((o) => o.extraColumns))],
    deadLetters: result.deadLetters.length,
  });
  for (const dl of result.deadLetters) logger.warn('record dead-lettered', { key: dl.key, error: dl.error });
  return {
    objects: result.objects.map((o) => o.key),
    deadLetters: result.deadLetters.map((d) => d.key),
    tombstones: result.tombstones,
  };
});

let warmedUp: Promise<WarmUpResult> | undefined;

/**
 * A Kafka batch, or the warm-up event (functions/writer/warmUp.ts), which offline-kafka's event
 * source threads send once before they consume: it stores nothing and is done once per container.
 */
export const handler = async (event: unknown, context: Parameters<typeof storeEvent>[1]) => {
  if (!isWarmUpEvent(event)) return storeEvent(event, context);
  warmedUp ??= warmUpWriter({
    topicPrefix: cfg.KAFKA_TOPIC_PREFIX,
    // A read of a key that is not there (404, or 403 without ListBucket): nothing is written.
    touchStore: () => s3.send(new HeadObjectCommand({ Bucket: cfg.MINIO_BUCKET, Key: '_warm-up/none' })),
  });
  const r = await warmedUp;
  logger.info('warmed up', { ...r });
  return r;
};
