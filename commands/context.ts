import type { EventStore } from '../eventstore/types.ts';

/** What the use cases need from the outside world. */
export interface CommandDeps {
  store: EventStore;
  /** The SubStream subscription contract (C…); without it no contract call can be built. */
  contractId?: string | undefined;
  pendingTtlSeconds: number;
  /** The StellarStream payment-stream contract (C…) new streams are opened on. */
  streamContractId?: string | undefined;
}

/** Who acts and when; `now` is the only clock the domain sees. */
export interface CommandContext {
  actor: string;
  tenantId?: string | undefined;
  now: string;
  correlationId: string;
  /** Set when the request carries an Idempotency-Key: its retries share it (see CommandTrace). */
  attemptId?: string | undefined;
}
