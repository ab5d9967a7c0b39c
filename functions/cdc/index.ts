export { decodeRecord, type Decoded, type KafkaRecordIn } from './decodeRecord';
export { parseEnvelope, type Envelope } from './envelope';
export { decodeColumn, decodeDecimal, decodeTimestamptz } from './columnValues';
