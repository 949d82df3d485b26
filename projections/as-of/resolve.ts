import type { Gap } from '../../indexer/checkpoints.ts';
import type { Conn } from '../types.ts';
import type { AsOfCut, AsOfRequest } from './bound.ts';
import { coverageUpTo, factsAround, lastFactAtOrBefore, processedTip } from './ledger-clock.ts';

/** The bound an answer was computed for, as the API reports it. */
export interface AsOfApplied {
  /** The ledger bound: given, or for a time bound the last ledger at or before it that a stored fact shows. */
  ledger: number | null;
  /** The chain-time bound: given, or for a ledger bound the close time of the last ledger at or below it a stored fact shows. */
  time: string | null;
  /** Only events committed (learned) by then. */
  knownAt: string | null;
  /** False when the indexer cannot be shown to have processed every ledger up to the bound. */
  complete: boolean;
  /** Ledger ranges at or below the bound the indexer never processed. */
  gaps: Gap[];
  /** How many events of the stream the answer folds (of how many stored). */
  events: number;
  of: number;
}

/**
 * Resolves a request into the cut events are filtered with (bound.ts) and what the response says
 * about it, from the ledger clock and the indexer's processed ranges.
 *
 * @example const { cut, applied } = await resolveAsOf(db, { ledger: 1200 });
 */
export async function resolveAsOf(conn: Conn, request: AsOfRequest): Promise<{ cut: AsOfCut; applied: Omit<AsOfApplied, 'events' | 'of'> }> {
  const knownAt = request.knownAt ?? null;
  const base = { knownAt: knownAt?.toISOString() ?? null };
  if (request.ledger !== undefined) {
    const last = await lastFactAtOrBefore(conn, request.ledger);
    const coverage = await coverageUpTo(conn, request.ledger);
    return {
      cut: { chainBound: true, ledger: request.ledger, time: last?.closedAt ?? null, knownAt },
      applied: { ...base, ledger: request.ledger, time: last?.closedAt.toISOString() ?? null, ...coverage },
    };
  }
  if (request.time !== undefined) {
    const { before, after } = await factsAround(conn, request.time);
    // Every ledger before the first fact past the bound closed at or before it: those must have been processed.
    const coverage = await coverageUpTo(conn, after ? after.ledger - 1 : null);
    return {
      cut: { chainBound: true, ledger: null, time: request.time, knownAt },
      applied: { ...base, ledger: before?.ledger ?? null, time: request.time.toISOString(), ...coverage },
    };
  }
  const coverage = await coverageUpTo(conn, await processedTip(conn));
  return { cut: { chainBound: false, ledger: null, time: null, knownAt }, applied: { ...base, ledger: null, time: null, ...coverage } };
}
