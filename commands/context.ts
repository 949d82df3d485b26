import type { EventStore } from '../eventstore/types.ts';
import type { CommandTrace } from './handle-command.ts';

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
  /** The API key the request authenticated with (undefined for a JWT). */
  apiKeyId?: string | undefined;
}

/**
 * What the command's events record about it: for which tenant, who acted (address and API key)
 * and why (the correlation id, the request's; the attempt of an Idempotency-Key).
 *
 * @example await handleCommand(store, streamId, decider, command, traceOf(context, creator));
 */
export function traceOf(context: CommandContext, tenantId: string | undefined): CommandTrace {
  return { tenantId, actor: context.actor, apiKeyId: context.apiKeyId, correlationId: context.correlationId, attemptId: context.attemptId };
}
