import { assertNever } from '../shared/errors.ts';
import { isAtOrAfter } from '../shared/time.ts';
import type { Address, Timestamp } from '../shared/types.ts';
import type { Rail, SubscriptionEvent } from './events.ts';

export type SubscriptionStatus = 'none' | 'pending' | 'trialing' | 'active' | 'grace' | 'cancelled' | 'expired';

/** Statuses the chain has confirmed: the subscription is live on the contract. */
export const LIVE_STATUSES: readonly SubscriptionStatus[] = ['trialing', 'active', 'grace'];

export interface SubscriptionState {
  status: SubscriptionStatus;
  /** How it is paid: the intent's rail, then the rail of the latest activation (card facts carry a currency). */
  rail: Rail | null;
  subscriber: Address | null;
  creator: Address | null;
  tier: string | null;
  token: Address | null;
  ratePerSecond: bigint | null;
  planId: number | null;
  requestedAt: Timestamp | null;
  expiresAt: Timestamp | null;
  activatedAt: Timestamp | null;
  /** Chain money only: stroops of `token`. */
  totalBilled: bigint;
  /** Card money billed, per ISO 4217 currency, in minor units: never added to `totalBilled`. */
  cardBilled: Record<string, bigint>;
  billsCount: number;
  lastBilledAt: Timestamp | null;
  nextBillingAt: Timestamp | null;
  trialEndsAt: Timestamp | null;
  graceEndsAt: Timestamp | null;
  cancelRequestedAt: Timestamp | null;
  cancelledAt: Timestamp | null;
  refundAmount: bigint | null;
  tipsTotal: bigint;
  tipsCount: number;
  /** Chain time of the fact that last set `status`: older facts arriving late never override it. */
  statusFactAt: Timestamp | null;
  /** Chain time of the fact that last set `ratePerSecond`. */
  rateFactAt: Timestamp | null;
}

export const initialState = (): SubscriptionState => ({
  status: 'none',
  rail: null,
  subscriber: null,
  creator: null,
  tier: null,
  token: null,
  ratePerSecond: null,
  planId: null,
  requestedAt: null,
  expiresAt: null,
  activatedAt: null,
  totalBilled: 0n,
  cardBilled: {},
  billsCount: 0,
  lastBilledAt: null,
  nextBillingAt: null,
  trialEndsAt: null,
  graceEndsAt: null,
  cancelRequestedAt: null,
  cancelledAt: null,
  refundAmount: null,
  tipsTotal: 0n,
  tipsCount: 0,
  statusFactAt: null,
  rateFactAt: null,
});

const INTENT_STATUSES: readonly SubscriptionStatus[] = ['none', 'pending', 'cancelled', 'expired'];

/**
 * A chain fact sets the status unless a later fact already did (facts always beat intents).
 * Coming back to life after a cancellation starts a new cycle; leaving grace ends the grace.
 */
function statusFact(state: SubscriptionState, status: SubscriptionStatus, at: Timestamp): SubscriptionState {
  if (state.statusFactAt !== null && !isAtOrAfter(at, state.statusFactAt)) return state;
  const next = { ...state, status, statusFactAt: at };
  const revived = LIVE_STATUSES.includes(status) && (state.status === 'cancelled' || state.status === 'expired');
  if (revived) Object.assign(next, { cancelRequestedAt: null, cancelledAt: null, refundAmount: null });
  if (state.status === 'grace' && status !== 'grace') next.graceEndsAt = null;
  return next;
}

function rateFact(state: SubscriptionState, rate: string, at: Timestamp): SubscriptionState {
  if (state.rateFactAt !== null && !isAtOrAfter(at, state.rateFactAt)) return state;
  return { ...state, ratePerSecond: BigInt(rate), rateFactAt: at };
}

const later = (a: Timestamp | null, b: Timestamp): Timestamp => (a !== null && isAtOrAfter(a, b) ? a : b);

/**
 * Folds one event. Accepts every fact with or without a prior intent and in any order: the
 * status follows the latest chain fact by ledger time, totals count every fact.
 */
export function evolve(current: SubscriptionState, event: SubscriptionEvent): SubscriptionState {
  const { subscriber, creator } = event.data;
  const state = { ...current, subscriber, creator };
  switch (event.type) {
    case 'SubscriptionRequested': {
      const { tier, token, ratePerSecond, requestedAt, expiresAt } = event.data;
      const intent = { ...state, tier, requestedAt, expiresAt };
      if (!INTENT_STATUSES.includes(state.status)) return intent;
      return {
        ...intent,
        status: 'pending',
        rail: event.data.rail ?? 'wallet',
        token,
        ratePerSecond: BigInt(ratePerSecond),
        nextBillingAt: null,
        trialEndsAt: null,
        graceEndsAt: null,
        cancelRequestedAt: null,
        cancelledAt: null,
        refundAmount: null,
      };
    }
    case 'CancellationRequested': {
      const { requestedAt } = event.data;
      if (state.status === 'pending') return { ...state, status: 'cancelled', cancelRequestedAt: requestedAt, cancelledAt: requestedAt };
      return { ...state, cancelRequestedAt: requestedAt };
    }
    case 'SubscriptionExpired':
      return state.status === 'pending' ? { ...state, status: 'expired' } : state;
    case 'CheckoutSessionOpened':
      // Where a card request is paid; the request itself made the subscription pending.
      return state;
    case 'SubscriptionActivated': {
      const { token, ratePerSecond, planId, activatedAt, currency } = event.data;
      const next = rateFact(statusFact(state, 'active', activatedAt), ratePerSecond, activatedAt);
      // The latest activation decides the rail (an older one arriving late does not).
      const rail = next.activatedAt === null || isAtOrAfter(activatedAt, next.activatedAt) ? (currency === undefined ? 'wallet' : 'card') : next.rail;
      return { ...next, rail, token: token ?? next.token, planId: planId ?? next.planId, activatedAt: later(next.activatedAt, activatedAt) };
    }
    case 'SubscriptionBilled': {
      const { amount, billedAt, currency } = event.data;
      const next = statusFact(state, 'active', billedAt);
      // Card money (minor units of a currency) is never added to token stroops.
      const added = currency === undefined ? BigInt(amount) : 0n;
      const cardBilled = currency === undefined ? next.cardBilled : { ...next.cardBilled, [currency]: (next.cardBilled[currency] ?? 0n) + BigInt(amount) };
      return { ...next, cardBilled, totalBilled: next.totalBilled + added, billsCount: next.billsCount + 1, lastBilledAt: later(next.lastBilledAt, billedAt) };
    }
    case 'SubscriptionRenewed': {
      const { nextBillingAt, renewedAt } = event.data;
      const next = statusFact(state, 'active', renewedAt);
      return { ...next, nextBillingAt: later(next.nextBillingAt, nextBillingAt) };
    }
    case 'TrialStarted':
      return { ...statusFact(state, 'trialing', event.data.startedAt), trialEndsAt: event.data.trialEndsAt };
    case 'GracePeriodStarted': {
      const next = statusFact(state, 'grace', event.data.dunningStartedAt);
      return next.status === 'grace' ? { ...next, graceEndsAt: event.data.graceEndsAt } : next;
    }
    case 'SubscriptionCancelled': {
      const { refundAmount, cancelledAt } = event.data;
      const next = statusFact(state, 'cancelled', cancelledAt);
      if (next.cancelledAt !== null && !isAtOrAfter(cancelledAt, next.cancelledAt)) return next;
      return { ...next, cancelledAt, refundAmount: BigInt(refundAmount) };
    }
    case 'TierChanged': {
      const { newRate, changedAt } = event.data;
      // A tier change proves a live subscription; it only fills in a status nothing confirmed yet.
      const live = state.status === 'none' || state.status === 'pending' ? statusFact(state, 'active', changedAt) : state;
      return rateFact(live, newRate, changedAt);
    }
    case 'TipReceived':
      return { ...state, tipsTotal: state.tipsTotal + BigInt(event.data.amount), tipsCount: state.tipsCount + 1 };
    default:
      return assertNever(event);
  }
}
