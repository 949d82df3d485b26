import type { Address, Stroops, Timestamp } from '../shared/types.ts';

interface Pair {
  subscriber: Address;
  creator: Address;
}

/** How a subscription is paid: from a Stellar wallet (the contract) or by card (Stripe). */
export type Rail = 'wallet' | 'card';

/**
 * Card money: an amount in the currency's minor units (cents) as a decimal string, with its
 * ISO 4217 code (upper case). Card facts carry it; chain facts never do, so the two are never summed.
 */
export interface CardMoney {
  currency: string;
}

// Intents, recorded by commands. `rail` is absent on wallet intents (the default).
export type SubscriptionRequested = {
  type: 'SubscriptionRequested';
  data: Pair & { tier: string; token: Address; ratePerSecond: Stroops; requestedAt: Timestamp; expiresAt: Timestamp; rail?: 'card' };
};
export type CancellationRequested = { type: 'CancellationRequested'; data: Pair & { requestedAt: Timestamp } };
export type SubscriptionExpired = { type: 'SubscriptionExpired'; data: Pair & { expiredAt: Timestamp } };
/**
 * The Stripe Checkout Session opened for the card request at `requestRevision`: what a cancellation
 * before payment expires. `account` is the Stripe account that holds it (null: the platform's own;
 * a creator's connected account once Stripe Connect is used).
 */
export type CheckoutSessionOpened = {
  type: 'CheckoutSessionOpened';
  data: Pair & { sessionId: string; requestRevision: number; account: string | null; openedAt: Timestamp; expiresAt: Timestamp };
};

// Facts, recorded by the indexer from contract events (../shared/CONTRACT_EVENTS.md), or from
// signed Stripe webhooks for card subscriptions (those carry `currency`; amounts in minor units).
export type SubscriptionActivated = {
  type: 'SubscriptionActivated';
  data: Pair & { token: Address | null; ratePerSecond: Stroops; planId: number | null; activatedAt: Timestamp } & Partial<CardMoney> & {
    /** Card only: the subscription's price in minor units per month (decimal string); absent when the fact does not say (a checkout). */
    monthlyAmount?: string;
  };
};
export type SubscriptionBilled = {
  type: 'SubscriptionBilled';
  data: Pair & { amount: Stroops; billedAt: Timestamp; merchantReferenceId: string | null; receiptHash: string | null } & Partial<CardMoney>;
};
export type SubscriptionRenewed = {
  type: 'SubscriptionRenewed';
  data: Pair & { amount: Stroops; nextBillingAt: Timestamp; renewedAt: Timestamp };
};
export type TrialStarted = {
  type: 'TrialStarted';
  data: Pair & { trialEndsAt: Timestamp; startedAt: Timestamp; merchantReferenceId: string | null };
};
export type GracePeriodStarted = {
  type: 'GracePeriodStarted';
  data: Pair & { dunningStartedAt: Timestamp; graceEndsAt: Timestamp; merchantReferenceId: string | null };
};
export type SubscriptionCancelled = {
  type: 'SubscriptionCancelled';
  data: Pair & { refundAmount: Stroops; cancelledAt: Timestamp };
};
export type TierChanged = { type: 'TierChanged'; data: Pair & { oldRate: Stroops; newRate: Stroops; changedAt: Timestamp } };
export type TipReceived = { type: 'TipReceived'; data: Pair & { token: Address; amount: Stroops; tippedAt: Timestamp } };

export type SubscriptionIntent = SubscriptionRequested | CancellationRequested | SubscriptionExpired | CheckoutSessionOpened;
export type SubscriptionFact =
  | SubscriptionActivated
  | SubscriptionBilled
  | SubscriptionRenewed
  | TrialStarted
  | GracePeriodStarted
  | SubscriptionCancelled
  | TierChanged
  | TipReceived;
export type SubscriptionEvent = SubscriptionIntent | SubscriptionFact;

/** One stream per (subscriber, creator) pair, as the contract keys its storage. */
export function subscriptionStreamId(subscriber: Address, creator: Address): string {
  return `subscription-${subscriber}-${creator}`;
}
