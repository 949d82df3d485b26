import type { SubscriptionEvent } from '../../domain/subscription/events.ts';
import { evolve, initialState, type SubscriptionState } from '../../domain/subscription/state.ts';
import type { RecordedEvent } from '../../eventstore/types.ts';

export type { SubscriptionStatus } from '../../domain/subscription/state.ts';

/**
 * The in-memory row of the `subscriptions` read model: the decider's own state (one fold of the
 * stream for both, so they cannot disagree) plus what only the read model tracks.
 */
export interface SubscriptionRow {
  state: SubscriptionState;
  /** Ledger of the latest activation read from the chain. */
  confirmedLedger: number | null;
  /** When the last event was recorded (an ISO string only when the row is stored). */
  updatedAt: Date;
}

export const SUBSCRIPTION_EVENT_TYPES = [
  'SubscriptionRequested',
  'CancellationRequested',
  'SubscriptionExpired',
  'SubscriptionActivated',
  'SubscriptionBilled',
  'SubscriptionRenewed',
  'TrialStarted',
  'GracePeriodStarted',
  'SubscriptionCancelled',
  'TierChanged',
  'TipReceived',
] as const satisfies readonly SubscriptionEvent['type'][];

/** `${subscriber}-${creator}`: the read model's key, as the contract keys its storage. */
export function subscriptionKey(subscriber: string, creator: string): string {
  return `${subscriber}-${creator}`;
}

/**
 * Folds one recorded event into a row with the domain's `evolve` (domain/subscription/state.ts):
 * facts with or without their intent, in any order, the status following the latest chain fact.
 * Throws on an event that names no subscription or carries a malformed amount.
 *
 * @example const row = evolveSubscriptionRow(undefined, recordedBilledEvent); // row.state.status 'active'
 */
export function evolveSubscriptionRow(current: SubscriptionRow | undefined, recorded: RecordedEvent): SubscriptionRow {
  const event = { type: recorded.type, data: recorded.data } as SubscriptionEvent;
  if (!event.data.subscriber || !event.data.creator) throw new Error('event has no subscriber or creator');
  const ledger = event.type === 'SubscriptionActivated' ? recorded.metadata.chain?.ledger : undefined;
  return {
    state: evolve(current?.state ?? initialState(), event),
    confirmedLedger: ledger ?? current?.confirmedLedger ?? null,
    updatedAt: recorded.recordedAt,
  };
}
