import type { RecordedEvent } from '../../eventstore/types.ts';

/** What a caller asks for: a chain bound (a ledger or a chain time, never both) and/or a knowledge bound. */
export interface AsOfRequest {
  ledger?: number | undefined;
  time?: Date | undefined;
  knownAt?: Date | undefined;
}

/**
 * A request resolved into what each event is compared with (see `withinCut`).
 * - `ledger`: chain facts at or below it (a ledger bound);
 * - `time`: the chain time of the bound — given (`asOf`), or for a ledger bound the close time of the
 *   last ledger at or below it that a stored fact shows; chain facts closed at or before it (time
 *   bound) and intents committed at or before it (either bound; null under a chain bound: no intent);
 * - `knownAt`: only events committed (learned) at or before it, whatever they say.
 */
export interface AsOfCut {
  chainBound: boolean;
  ledger: number | null;
  time: Date | null;
  knownAt: Date | null;
}

/**
 * Whether an event is part of the answer as of the cut: a chain fact by its ledger (or its ledger's
 * close time), an intent or a Stripe fact by its commit time, and under `knownAt` only what was
 * committed by then (a backfilled fact of an old ledger was not known before it was recorded).
 *
 * @example events.filter((e) => withinCut(e, { chainBound: true, ledger: 1200, time: closeOf1200, knownAt: null }))
 */
export function withinCut(event: RecordedEvent, cut: AsOfCut): boolean {
  if (cut.knownAt !== null && event.recordedAt.getTime() > cut.knownAt.getTime()) return false;
  if (!cut.chainBound) return true;
  const chain = event.metadata.chain;
  if (chain && cut.ledger !== null) return chain.ledger <= cut.ledger;
  if (chain) return cut.time !== null && Date.parse(chain.ledgerClosedAt) <= cut.time.getTime();
  return cut.time !== null && event.recordedAt.getTime() <= cut.time.getTime();
}
