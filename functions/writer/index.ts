/** The writer's public surface (Kafka change events -> Parquet objects in S3), for the handler, the CLIs and benchmarks (tests import internals by path). */
export { loadWriterConfig } from './config';
export { decodeRecord, type KafkaRecordIn } from './decode/decodeRecord';
export { encodeParquet } from './lake/encodeParquet';
export { groupChanges, type TableRow } from './lake/groupChanges';
export { putObject, type PutRequest } from './lake/putObject';
export { createS3Client } from '../shared/s3';
export { storeBatch, type ObjectSink } from './lake/storeBatch';
export { listDeadLetters, replayDeadLetters, type DeadLetterFilter } from './lake/deadLetterReplay';
export { s3DeadLetterStore } from './lake/s3DeadLetterStore';
