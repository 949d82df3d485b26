/**
 * The seam between ledger sources and the indexer pipeline. Every source (RPC getEvents, RPC
 * getTransactions, Horizon, SEP-54 data lake, recorded archives) yields the same shapes.
 */

/** One contract event as read from the network, before decoding. */
export interface RawContractEvent {
  ledger: number;
  /** ISO-8601 close time of the ledger. */
  ledgerClosedAt: string;
  txHash: string;
  /** Operation index within the transaction (0-based); 0xfff for transaction-level events (see `stage`). */
  operationIndex: number;
  /**
   * Index of the event within its operation (restarts for every operation); for a
   * transaction-level event, its index among the transaction's events of the same stage.
   */
  eventIndex: number;
  /** The emitting contract (C…). */
  contractId: string;
  /** Base64 XDR `ScVal` topics. */
  topics: string[];
  /** Base64 XDR `ScVal` value. */
  value: string;
  /**
   * Whether the transaction succeeded, when the source says so. stellar-rpc deprecated the field
   * and may omit it; nothing is decided on it.
   */
  inSuccessfulContractCall?: boolean;
  stage: EventStage;
}

/**
 * Where an event sits (CAP-67 `TransactionEventStage` for transaction-level events): `operation`
 * for the events of an operation, else a transaction-level (fee) event emitted before all
 * transactions, after its transaction, or after all transactions (protocol 23 refunds).
 */
export type EventStage = 'operation' | TransactionEventStage;
export type TransactionEventStage = 'before-all-txs' | 'after-tx' | 'after-all-txs';

/** Stage names by XDR `TransactionEventStage` value (0, 1, 2). */
export const TRANSACTION_EVENT_STAGES: readonly TransactionEventStage[] = ['before-all-txs', 'after-tx', 'after-all-txs'];

/**
 * Everything a source read for a contiguous, inclusive ledger range, in ledger order. A source
 * yields ranges that follow each other without holes; the runner checkpoints at `toLedger`.
 */
export interface LedgerBatch {
  fromLedger: number;
  toLedger: number;
  /** Transactions seen in the range (0 when the source cannot know, e.g. getEvents). */
  transactions: number;
  events: RawContractEvent[];
  /** Source-specific resume token valid after `toLedger` (e.g. a getEvents cursor). */
  cursor?: string;
}

export interface LedgerRange {
  from: number;
  /** Inclusive; omitted = follow the tip forever (when the source supports it). */
  to?: number;
}

export interface LedgerSource {
  readonly name: string;
  /** The newest ledger the source can serve now. */
  latestLedger(): Promise<number>;
  /** Yields batches covering `range` in order; stops when `signal` aborts. */
  read(range: LedgerRange, signal?: AbortSignal): AsyncIterable<LedgerBatch>;
}

/** The source cannot serve what was asked (retention, missing meta, unreachable): exit code 3. */
export class SourceUnavailable extends Error {
  override name = 'SourceUnavailable';
}

/**
 * The source no longer keeps `from`–`to` (inclusive): they are older than its retention window.
 * Only another source (the data lake) can serve them.
 */
export class RetentionGap extends SourceUnavailable {
  override name = 'RetentionGap';
  readonly from: number;
  readonly to: number;
  constructor(source: string, from: number, to: number, hint: string) {
    super(`${source} keeps ledgers from ${to + 1} only: ledgers ${from}-${to} are past its retention; ${hint}`);
    this.from = from;
    this.to = to;
  }
}

/** Retries were exhausted on network errors, 429 or 5xx: an outage, worth waiting out in follow mode. */
export class SourceUnreachable extends SourceUnavailable {
  override name = 'SourceUnreachable';
}
