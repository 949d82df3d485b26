import { open } from 'node:fs/promises';
import { SourceUnavailable, type LedgerSource } from './types.ts';

export const SOURCE_NAMES = ['rpc', 'transactions', 'horizon', 'datalake', 'archive'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

export interface SourceSettings {
  rpcUrl?: string;
  horizonUrl?: string;
  datalake?: string;
  file?: string;
  contractIds: readonly string[];
  passphrase: string;
}

/** An opened source, with the ledger range of a file when the source is one. */
export interface OpenedSource {
  source: LedgerSource;
  fileRange?: () => Promise<{ from: number; to: number }>;
}

type Factory = (options: Record<string, unknown>) => LedgerSource;

/** Loads a source module lazily: a source that is not part of this build is `SourceUnavailable`. */
async function factory(path: string, name: string): Promise<Factory> {
  let module: Record<string, unknown>;
  try {
    module = (await import(path)) as Record<string, unknown>;
  } catch (error) {
    throw new SourceUnavailable(`the ${name} source is not available in this build (${(error as Error).message})`);
  }
  const create = module[name];
  if (typeof create !== 'function') throw new SourceUnavailable(`${path} does not export ${name}`);
  return create as Factory;
}

/** True when the file holds getTransactions records (resultMetaXdr) rather than getEvents events. */
async function holdsTransactions(file: string): Promise<boolean> {
  const fh = await open(file, 'r').catch((error: Error) => {
    throw new SourceUnavailable(`cannot read ${file}: ${error.message}`);
  });
  try {
    const buf = Buffer.alloc(1 << 16);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.toString('utf8', 0, bytesRead).includes('"resultMetaXdr"');
  } finally {
    await fh.close();
  }
}

/**
 * Opens a source by its CLI name. Network sources are imported on demand. `archive` reads a
 * getEvents archive, or a getTransactions archive when the file holds transaction records.
 */
export async function openSource(name: SourceName, s: SourceSettings): Promise<OpenedSource> {
  const need = (value: string | undefined, flag: string): string => {
    if (!value) throw new TypeError(`--source ${name} needs ${flag}`);
    return value;
  };
  switch (name) {
    case 'rpc': {
      const create = await factory('./rpc-events.ts', 'createRpcEventsSource');
      const watched = s.contractIds.includes('*') ? [] : s.contractIds;
      return { source: create({ rpcUrl: need(s.rpcUrl, '--rpc-url or STELLAR_RPC_URL'), contractIds: watched }) };
    }
    case 'transactions':
    case 'archive': {
      if (name === 'transactions' && !s.file) {
        const create = await factory('./rpc-transactions.ts', 'createRpcTransactionsSource');
        return { source: create({ rpcUrl: need(s.rpcUrl, '--rpc-url, STELLAR_RPC_URL or --file') }) };
      }
      const file = need(s.file, '--file');
      if (name === 'transactions' || (await holdsTransactions(file))) {
        const create = await factory('./transactions-archive.ts', 'createTransactionsArchiveSource');
        const source = create({ file }) as LedgerSource & { ledgerRange(): Promise<{ from: number; to: number }> };
        return { source, fileRange: () => source.ledgerRange() };
      }
      const { createEventsArchiveSource } = await import('./events-archive.ts');
      const source = createEventsArchiveSource({ file });
      return { source, fileRange: () => source.range() };
    }
    case 'horizon': {
      const create = await factory('./horizon.ts', 'createHorizonSource');
      return { source: create({ horizonUrl: need(s.horizonUrl, '--horizon-url') }) };
    }
    case 'datalake': {
      const create = await factory('./datalake/index.ts', 'createDatalakeSource');
      return { source: create({ location: need(s.datalake, '--datalake'), networkPassphrase: s.passphrase }) };
    }
    default: {
      const never: never = name;
      throw new TypeError(`unknown source ${String(never)}`);
    }
  }
}

