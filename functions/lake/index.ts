export { encodeColumns, encodeParquet, physical, unscaledDecimal, type EncodeOptions } from './encodeParquet';
export { parquetSchema, schemaOf, columnElement } from './parquetSchema';
export { objectKey, parseObjectKey, deadLetterKey, type ObjectCoordinates } from '../shared/objectKeys';
export { groupChanges, type LakeObject, type TableRow } from './groupChanges';
export { deadLetter, deadLetterObject, type DeadLetter } from './deadLetter';
export { ObjectBuilder } from './objectBuilder';
export { createS3Client, putObject, settleAllBounded, type PutRequest } from './objectStore';
export {
  storeBatch,
  PARQUET_CONTENT_TYPE,
  type ObjectSink,
  type StoreBatchOptions,
  type StoreBatchResult,
  type StoredObject,
} from './storeBatch';
export {
  listDeadLetters,
  replayDeadLetters,
  reasonGroup,
  replayedPrefix,
  type DeadLetterStore,
  type DeadLetterFilter,
  type ReasonGroup,
  type ReplayReport,
} from './deadLetterReplay';
export { s3DeadLetterStore } from './s3DeadLetterStore';
