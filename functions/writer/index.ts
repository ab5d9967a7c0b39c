/** The writer's public surface (Kafka change events -> Parquet objects in S3), for the handler, the CLIs, tests and benchmarks. */
export { loadWriterConfig, WRITER_CONFIG_KEYS, type WriterConfig } from './config';
export { decodeRecord, RecordDecoder, type Decoded, type DecodedValues, type KafkaRecordIn } from './decode/decodeRecord';
export { parseEnvelope, toEnvelope, MAX_TS_MS, type Envelope } from './decode/envelope';
export {
  columnDecoder,
  decodeColumn,
  decodeDecimal,
  decodeTimestamptz,
  decodeUnscaledDecimal,
  formatDecimal,
  UNAVAILABLE_PLACEHOLDER,
  type Physical,
} from './decode/columnValues';
export { layoutFromSchema, mapField } from './decode/connectSchema';
export { tablesLayout, type Layout, type ColumnPlan } from './decode/layout';
export { ValueReader } from './decode/valueReader';
export { encodeColumns, encodeParquet, physical, unscaledDecimal, type EncodeOptions } from './lake/encodeParquet';
export { parquetSchema, schemaOf, columnElement } from './lake/parquetSchema';
export { objectKey, parseObjectKey, deadLetterKey, type ObjectCoordinates } from '../shared/objectKeys';
export { groupChanges, type LakeObject, type TableRow } from './lake/groupChanges';
export { deadLetter, deadLetterObject, type DeadLetter } from './lake/deadLetter';
export { ObjectBuilder } from './lake/objectBuilder';
export { putObject, type PutRequest } from './lake/putObject';
export { createS3Client, type S3Settings } from '../shared/s3';
export {
  storeBatch,
  PARQUET_CONTENT_TYPE,
  type ObjectSink,
  type StoreBatchOptions,
  type StoreBatchResult,
  type StoredObject,
} from './lake/storeBatch';
export {
  listDeadLetters,
  replayDeadLetters,
  reasonGroup,
  replayedPrefix,
  type DeadLetterStore,
  type DeadLetterFilter,
  type ReasonGroup,
  type ReplayReport,
} from './lake/deadLetterReplay';
export { s3DeadLetterStore } from './lake/s3DeadLetterStore';
