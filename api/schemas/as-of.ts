import { z } from 'zod';
import type { AsOfRequest } from '../../projections/as-of/queries.ts';

const Rfc3339 = z.iso.datetime({ offset: true });

/** The as-of query parameters every as-of read accepts (one of the two chain bounds, and/or `knownAt`). */
export const AsOfFields = {
  asOfLedger: z.coerce.number().int().min(1).max(2 ** 32 - 1).optional()
    .describe('answer as of this ledger: chain facts at or below it, intents committed by its close'),
  asOf: Rfc3339.optional().describe('answer as of this chain time (RFC 3339): facts of ledgers closed by then, intents committed by then'),
  knownAt: Rfc3339.optional().describe('only what had been recorded by then (RFC 3339): what the API said at that moment, late backfills excluded'),
};

/** A diff's end: a ledger (digits) or an RFC 3339 chain time. */
export const ChainPoint = z.string().max(64).refine((v) => /^[1-9]\d{0,9}$/.test(v) ? Number(v) <= 2 ** 32 - 1 : Rfc3339.safeParse(v).success, 'a ledger number or an RFC 3339 time');

/** The as-of request of a `ChainPoint`. */
export function chainPoint(v: string): AsOfRequest {
  return /^\d+$/.test(v) ? { ledger: Number(v) } : { time: new Date(v) };
}

/** One chain bound at most: a ledger or a time. */
export const oneChainBound = (q: { asOfLedger?: number | undefined; asOf?: string | undefined }): boolean => q.asOfLedger === undefined || q.asOf === undefined;
export const ONE_CHAIN_BOUND = { message: 'give asOfLedger or asOf, not both', path: ['asOf'] };

/** The request's as-of bound, or null when it asks for the present (no as-of parameter). */
export function asOfRequest(q: { asOfLedger?: number | undefined; asOf?: string | undefined; knownAt?: string | undefined }): AsOfRequest | null {
  if (q.asOfLedger === undefined && q.asOf === undefined && q.knownAt === undefined) return null;
  return {
    ledger: q.asOfLedger,
    time: q.asOf === undefined ? undefined : new Date(q.asOf),
    knownAt: q.knownAt === undefined ? undefined : new Date(q.knownAt),
  };
}

/** What an as-of answer was computed for. */
export const AsOfApplied = z
  .object({
    ledger: z.number().int().nullable().describe('the ledger bound: given, or for `asOf` the last ledger at or before it a stored fact shows'),
    time: z.string().nullable().describe('the chain-time bound: given, or for `asOfLedger` the close time of the last ledger at or below it a stored fact shows'),
    knownAt: z.string().nullable(),
    complete: z.boolean().describe('false when the indexer cannot be shown to have processed every ledger up to the bound'),
    gaps: z.array(z.object({ from: z.number().int(), to: z.number().int() })).describe('ledger ranges at or below the bound never processed'),
    events: z.number().int().describe('events of the stream within the bound'),
    of: z.number().int().describe('events of the stream stored now'),
  })
  .meta({ id: 'AsOfApplied' });
