import { z } from 'zod';

const Nullable = z.string().nullable();

/** One event of a subscription's or stream's audit trail (projections/audit/queries.ts). */
export const HistoryEntry = z
  .object({
    revision: z.number().int(),
    position: z.string().describe('global log position'),
    type: z.string(),
    kind: z.enum(['intent', 'fact']).describe('intent: a command through the API; fact: the chain (or Stripe, or the system) says it happened'),
    data: z.record(z.string(), z.unknown()),
    source: z.string().describe('command | chain | stripe | system'),
    actor: Nullable.describe('who: the acting address (commands)'),
    apiKeyId: Nullable.describe('who: the API key the command came with'),
    tenantId: Nullable,
    correlationId: Nullable.describe('why: for an API command, the HTTP request id (x-request-id)'),
    causationId: Nullable.describe('why: the event that caused this one'),
    attemptId: Nullable.describe('why: the Idempotency-Key attempt that appended it'),
    recordedAt: z.string().describe('when we learned it: the commit time'),
    ledger: z.number().int().nullable(),
    ledgerClosedAt: Nullable.describe('when it happened on chain: the ledger close time'),
    txHash: Nullable,
    operationIndex: z.number().int().nullable(),
    eventIndex: z.number().int().nullable(),
    contractId: Nullable,
    indexerJob: Nullable.describe('where: the indexer job that recorded the fact first'),
    indexerSource: Nullable.describe('where: its source (rpc, horizon, archive, …)'),
    stripeEventId: Nullable,
    stripeEventType: Nullable,
  })
  .meta({ id: 'HistoryEntry' });

/** The history routes' query: keyset pagination over the stream's revisions. */
export const HistoryQuery = z.object({
  cursor: z.string().max(512).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(1000),
});

export const HistoryPage = z.object({ id: z.string(), items: z.array(HistoryEntry), nextCursor: z.string().nullable() });
