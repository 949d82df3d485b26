import { CONTRACT_KINDS, type ContractKind } from './types.ts';

/** Which contracts the indexer watches and how it reads them. `*` (every other contract) is raw facts only. */
export interface ContractSelection {
  kinds: ReadonlyMap<string, ContractKind>;
  everything: boolean;
}

const CONTRACT_ID = /^C[A-Z2-7]{55}$/;

/**
 * Parses `INDEXER_CONTRACTS` / `--contract` entries: `C…=kind`, a bare `C…` (raw facts only) or `*`.
 * Throws a `TypeError` naming the bad entry.
 *
 * @example parseContracts('CAB…=substream-v1,CDE…=sep41,*')
 */
export function parseContracts(spec: string | readonly string[]): ContractSelection {
  const entries = (typeof spec === 'string' ? [spec] : spec).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  const kinds = new Map<string, ContractKind>();
  let everything = false;
  for (const entry of entries) {
    if (entry === '*') {
      everything = true;
      continue;
    }
    const [id, kind = 'raw'] = entry.split('=').map((s) => s.trim());
    if (!CONTRACT_ID.test(id!)) throw new TypeError(`${entry}: not a contract id (C…) or *`);
    if (!(CONTRACT_KINDS as readonly string[]).includes(kind)) throw new TypeError(`${entry}: unknown contract kind ${kind} (${CONTRACT_KINDS.join(', ')})`);
    kinds.set(id!, kind as ContractKind);
  }
  return { kinds, everything };
}

/** The kind to read `contractId` with, or undefined when it is not watched. */
export function kindOf(selection: ContractSelection, contractId: string): ContractKind | undefined {
  return selection.kinds.get(contractId) ?? (selection.everything ? 'raw' : undefined);
}
