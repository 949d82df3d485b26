/** `<prefix>/.config.json` of a SEP-54 data lake (Galexie). */
export interface DatalakeConfig {
  networkPassphrase?: string;
  version?: string;
  compression: string;
  ledgersPerBatch: number;
  batchesPerPartition: number;
}

/**
 * Used when the lake has no `.config.json`: the public mainnet lake's layout (one ledger an
 * object, 64,000 a partition, zstd).
 */
export const DEFAULT_DATALAKE_CONFIG: DatalakeConfig = {
  compression: 'zstd',
  ledgersPerBatch: 1,
  batchesPerPartition: 64_000,
};

const MAX_UINT32 = 0xffffffff;
const hex8 = (n: number) => (MAX_UINT32 - n).toString(16).toUpperCase().padStart(8, '0');

/** The first and last ledger of the object holding `ledger`. */
export function batchBounds(ledger: number, config: DatalakeConfig): { start: number; end: number } {
  const start = Math.floor(ledger / config.ledgersPerBatch) * config.ledgersPerBatch;
  return { start, end: start + config.ledgersPerBatch - 1 };
}

/**
 * Object keys (relative to the lake prefix) that may hold `ledger`, most likely first:
 * `%08X--<start>-<end>/%08X--<start>[-<end>].xdr.zst`, hex = 0xFFFFFFFF − start, then the older
 * `.xdr.zstd` suffix, then the same names without the partition folder (a copied single object).
 */
export function candidateKeys(ledger: number, config: DatalakeConfig): string[] {
  const { start, end } = batchBounds(ledger, config);
  const partitionSize = config.ledgersPerBatch * config.batchesPerPartition;
  const file = `${hex8(start)}--${start}${config.ledgersPerBatch > 1 ? `-${end}` : ''}`;
  const names = [`${file}.xdr.zst`, `${file}.xdr.zstd`];
  if (partitionSize <= 1) return names;
  const partitionStart = Math.floor(ledger / partitionSize) * partitionSize;
  const partition = `${hex8(partitionStart)}--${partitionStart}-${partitionStart + partitionSize - 1}/`;
  return [...names.map((name) => partition + name), ...names];
}

/** The last ledger of a batch object or partition name (`FCD285FF--53312000[-53312063][.xdr.zst]`). */
export function lastLedgerOfName(name: string): number | undefined {
  const match = /^[0-9A-F]{8}--(\d+)(?:-(\d+))?/.exec(name.split('/').filter(Boolean).at(-1) ?? '');
  if (!match) return undefined;
  return Number(match[2] ?? match[1]);
}

export function parseConfig(text: string): DatalakeConfig {
  const json = JSON.parse(text) as Partial<DatalakeConfig>;
  const config = { ...DEFAULT_DATALAKE_CONFIG, ...json };
  if (!(config.ledgersPerBatch >= 1) || !(config.batchesPerPartition >= 1)) {
    throw new Error(`.config.json: ledgersPerBatch and batchesPerPartition must be ≥ 1`);
  }
  if (config.compression !== 'zstd') throw new Error(`.config.json: unsupported compression ${config.compression}`);
  return config;
}
