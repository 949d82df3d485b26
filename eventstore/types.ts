/** Where an event came from. */
export type EventSource = 'command' | 'chain' | 'stripe' | 'system';

/** The chain coordinates of a fact read from a Stellar ledger. */
export interface ChainCoordinates {
  ledger: number;
  ledgerClosedAt: string;
  txHash: string;
  operationIndex: number;
  eventIndex: number;
  contractId: string;
}

export interface EventMetadata {
  tenantId?: string | null;
  correlationId?: string;
  causationId?: string;
  /** The retriable attempt (Idempotency-Key claim) that appended it; see CommandTrace. */
  attemptId?: string;
  source: EventSource;
  chain?: ChainCoordinates;
  /** Who acted (a command's principal address) and with which API key, if any. */
  actor?: string;
  apiKeyId?: string;
  /** The indexer job and source that recorded a chain fact first. */
  indexer?: { job: string; source: string };
  [key: string]: unknown;
}

/** An event to append: `id` is a uuid chosen by the caller (deterministic for chain facts). */
export interface NewEvent<Type extends string = string, Data = unknown> {
  id: string;
  type: Type;
  data: Data;
  metadata: EventMetadata;
}

/** A position in the global log. Ordered by `commit`, then `prepare`. */
export interface LogPosition {
  commit: bigint;
  prepare: bigint;
}

export const START: LogPosition = { commit: 0n, prepare: 0n };

export interface RecordedEvent<Type extends string = string, Data = unknown> extends NewEvent<Type, Data> {
  streamId: string;
  streamRevision: number;
  globalPosition: bigint;
  position: LogPosition;
  recordedAt: Date;
}

/** `any`: no check; `no_stream`: must not exist; `stream_exists`: must exist; n: last revision is n. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface StreamAppend {
  streamId: string;
  events: readonly NewEvent[];
  expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  streamId: string;
  /** The stream's last revision after the append (-1 never appears: an empty stream is impossible here). */
  revision: number;
  appended: number;
  /** Ids that were already stored with the same content: the no-op of an idempotent replay. */
  alreadyStored: string[];
  /** Position of the last event this call appended, if any. */
  position?: LogPosition;
}

export interface ReadStreamOptions {
  fromRevision?: number;
  direction?: 'forwards' | 'backwards';
  limit?: number;
}

export interface ReadAllOptions {
  /** Exclusive: the position of the last event already processed (a checkpoint). */
  after?: LogPosition;
  limit?: number;
}

export interface SubscribeOptions extends ReadAllOptions {
  pollIntervalMs?: number;
  signal?: AbortSignal;
}

/**
 * The event store port. Every adapter passes the same contract suite (tests/eventstore).
 *
 * @example
 * const { revision } = await store.append('subscription-G…', [event], { expectedRevision: 'no_stream' });
 */
export interface EventStore {
  append(streamId: string, events: readonly NewEvent[], options?: { expectedRevision?: ExpectedRevision }): Promise<AppendResult>;
  /** Appends to several streams at once. Atomic on PostgreSQL; per stream elsewhere. */
  appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Whole streams at once: one array per id, in the order given, each in revision order (a missing stream's is empty). One round trip on PostgreSQL. */
  readStreams(streamIds: readonly string[]): Promise<RecordedEvent[][]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Polls the global log and yields batches in global order until the signal aborts. */
  subscribe(options?: SubscribeOptions): AsyncIterable<RecordedEvent[]>;
  close(): Promise<void>;
}
