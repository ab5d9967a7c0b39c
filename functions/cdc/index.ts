export { decodeRecord, RecordDecoder, type Decoded, type DecodedValues, type KafkaRecordIn } from './decodeRecord';
export { parseEnvelope, toEnvelope, MAX_TS_MS, type Envelope } from './envelope';
export {
  columnDecoder,
  decodeColumn,
  decodeDecimal,
  decodeTimestamptz,
  decodeUnscaledDecimal,
  formatDecimal,
  UNAVAILABLE_PLACEHOLDER,
  type Physical,
} from './columnValues';
export { layoutFromSchema, mapField } from './connectSchema';
export { tablesLayout, type Layout, type ColumnPlan } from './layout';
export { ValueReader } from './valueReader';
