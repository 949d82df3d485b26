import type { xdr } from '@stellar/stellar-sdk';
import type { RawContractEvent } from '../sources/types.ts';

export const CONTRACT_KINDS = ['substream-v1', 'stellarstream-v1', 'stellarstream-v2', 'sep41', 'raw'] as const;
/** How a watched contract's events are read; `raw` = raw facts only (what `*` selects). */
export type ContractKind = (typeof CONTRACT_KINDS)[number];

/** One event with its topics and value already parsed. */
export interface ParsedEvent {
  event: RawContractEvent;
  topics: xdr.ScVal[];
  value: xdr.ScVal;
  /** The first topic when it is a Symbol (or a String: names over 32 bytes). */
  name: string | null;
}

/** A domain fact derived from a contract event, before it gets its id and metadata. */
export interface DomainFact {
  streamId: string;
  type: string;
  data: Record<string, unknown>;
  /** The tenant the fact belongs to: creator/merchant (subscriptions), receiver (streams). */
  tenantId: string | null;
}

/**
 * A decoder for one contract kind: returns the domain fact, null when the event carries none, and
 * throws `ShapeError` when a watched contract emits an unknown or malformed event.
 */
export type KindDecoder = (parsed: ParsedEvent) => DomainFact | null;
