export { createDatalakeSource, type DatalakeSourceOptions } from './source.ts';
export { DEFAULT_DATALAKE_CONFIG, candidateKeys, type DatalakeConfig } from './layout.ts';
export { localObjectStore, s3ObjectStore, type ObjectStore, type S3Options } from './object-store.ts';
export { readLedgerCloseMetaBatch, eventsFromTransactionMetaBytes, type LedgerSummary } from './ledger-close-meta.ts';
