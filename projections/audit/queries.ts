import { DomainError } from '../../domain/shared/errors.ts';
import type { EventStore, RecordedEvent } from '../../eventstore/types.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';

/**
 * One event of an aggregate's history as the audit trail shows it: what (type, data), who (the
 * acting address and API key, the tenant), why (correlation, causation and attempt ids; for an API
 * command the correlation id is the HTTP request id, `x-request-id`), where (command, indexer job
 * and source with the ledger/transaction/operation/event coordinates, Stripe event) and when (the
 * commit time we learned it, and the chain time of a fact).
 */
export interface HistoryEntry {
  revision: number;
  position: string;
  type: string;
  kind: 'intent' | 'fact';
  data: Record<string, unknown>;
  source: string;
  actor: string | null;
  apiKeyId: string | null;
  tenantId: string | null;
  correlationId: string | null;
  causationId: string | null;
  attemptId: string | null;
  recordedAt: string;
  ledger: number | null;
  ledgerClosedAt: string | null;
  txHash: string | null;
  operationIndex: number | null;
  eventIndex: number | null;
  contractId: string | null;
  indexerJob: string | null;
  indexerSource: string | null;
  stripeEventId: string | null;
  stripeEventType: string | null;
}

interface StripeProvenance {
  eventId?: string;
  eventType?: string;
}

/**
 * An event as an audit entry: every field its metadata carries, null where it carries none (events
 * recorded before a field existed simply lack it).
 *
 * @example const entry = historyEntry(recorded); // entry.kind 'fact', entry.ledger 1200
 */
export function historyEntry(e: RecordedEvent): HistoryEntry {
  const m = e.metadata;
  const chain = m.chain;
  const stripe = (m.stripe ?? {}) as StripeProvenance;
  return {
    revision: e.streamRevision, position: e.globalPosition.toString(), type: e.type, kind: m.source === 'command' ? 'intent' : 'fact',
    data: e.data as Record<string, unknown>, source: m.source, actor: m.actor ?? null, apiKeyId: m.apiKeyId ?? null, tenantId: m.tenantId ?? null,
    correlationId: m.correlationId ?? null, causationId: m.causationId ?? null, attemptId: m.attemptId ?? null, recordedAt: e.recordedAt.toISOString(),
    ledger: chain?.ledger ?? null, ledgerClosedAt: chain?.ledgerClosedAt ?? null, txHash: chain?.txHash ?? null,
    operationIndex: chain?.operationIndex ?? null, eventIndex: chain?.eventIndex ?? null, contractId: chain?.contractId ?? null,
    indexerJob: m.indexer?.job ?? null, indexerSource: m.indexer?.source ?? null,
    stripeEventId: stripe.eventId ?? null, stripeEventType: stripe.eventType ?? null,
  };
}

/**
 * A page of one event stream's history in revision order (keyset: the cursor holds the last
 * revision shown), at most `limit` entries, with the cursor of the next page (null on the last).
 * The caller checks the aggregate is visible first: the log has no row-level security.
 *
 * @example const { items, nextCursor } = await streamHistory(store, 'subscription-G…-G…', { limit: 100 });
 */
export async function streamHistory(store: EventStore, streamId: string, page: { cursor?: string | undefined; limit: number }): Promise<{ items: HistoryEntry[]; nextCursor: string | null }> {
  const after = page.cursor === undefined ? -1 : Number(decodeCursor(page.cursor));
  if (page.cursor !== undefined && !(Number.isSafeInteger(after) && after >= 0)) throw new DomainError('PAGINATION.INVALID_CURSOR', 'the cursor is not valid');
  const events = await store.readStream(streamId, { fromRevision: after + 1, limit: page.limit + 1 });
  const items = events.slice(0, page.limit).map(historyEntry);
  return { items, nextCursor: events.length > page.limit ? encodeCursor(String(items.at(-1)!.revision)) : null };
}
