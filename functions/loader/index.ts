/**
 * The loader's public surface (S3 objects -> warehouse RAW), for the handler and the CLIs. The
 * warehouse adapters are not re-exported: each driver is loaded only on its own path (fromConfig.ts).
 */
export {
  loadObjects,
  summarize,
  DEFAULT_OBJECTS_PER_TRANSACTION,
  type LoadReport,
  type LoaderDeps,
  type LoadRequest,
  type ObjectOutcome,
} from './loader';
export { sweep, sweepPrefixes, type SweepOptions, type SweepReport, type SweepCursor } from './sweep';
export { parseCapturedTables } from '../shared/capturedTables';
export { backfill, formatReport, type BackfillOptions } from './backfill';
export { objectStoreFromConfig, warehouseFromConfig } from './fromConfig';
export { s3ObjectStore, cleanEtag, ObjectMissingError, type ObjectStore, type ListedObject } from './s3ObjectStore';
export { CorruptObjectError, type Log, type Warehouse, type WarehouseSession } from './port';
export { rawDdlFile, rawDdlStatements, RAW_SCHEMA, LEDGER_TABLE, LOAD_ERRORS_TABLE, type Dialect } from './ddl';
export { acquireWriterMutex } from './writerMutex';
export { loadLoaderConfig, LOADER_CONFIG_KEYS, type LoaderConfig } from './config';
export { decodeLakeEventKey } from '../shared/objectKeys';
