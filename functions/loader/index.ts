/**
 * The loader's public surface (S3 objects -> warehouse RAW), for the handler and the CLIs. The
 * warehouse adapters are not re-exported: each driver is loaded only on its own path (fromConfig.ts).
 */
export { loadObjects, type LoadReport, type LoadRequest } from './loader';
export { sweep } from './sweep';
export { parseCapturedTables } from '../shared/capturedTables';
export { objectStoreFromConfig, warehouseFromConfig } from './fromConfig';
export { acquireWriterMutex } from './writerMutex';
export { loadLoaderConfig } from './config';
export { decodeLakeEventKey } from '../shared/objectKeys';
