import type { SubscriptionEvent } from '../../../domain/subscription/events.ts';

export const subscriber = 'GSUBSCRIBER';
export const creator = 'GCREATOR';
export const token = 'CTOKEN';
export const pair = { subscriber, creator };

export const requested = (requestedAt = '2026-01-01T00:00:00.000Z', expiresAt = '2026-01-01T00:15:00.000Z'): SubscriptionEvent => ({
  type: 'SubscriptionRequested',
  data: { ...pair, tier: 'gold', token, ratePerSecond: '50', requestedAt, expiresAt },
});
export const activated = (activatedAt: string, ratePerSecond = '50'): SubscriptionEvent => ({
  type: 'SubscriptionActivated',
  data: { ...pair, token, ratePerSecond, planId: 7, activatedAt },
});
export const billed = (billedAt: string, amount = '1000'): SubscriptionEvent => ({
  type: 'SubscriptionBilled',
  data: { ...pair, amount, billedAt, merchantReferenceId: 'ref', receiptHash: 'ab'.repeat(32) },
});
export const renewed = (renewedAt: string, nextBillingAt: string): SubscriptionEvent => ({
  type: 'SubscriptionRenewed',
  data: { ...pair, amount: '1000', renewedAt, nextBillingAt },
});
export const trialStarted = (startedAt: string, trialEndsAt: string): SubscriptionEvent => ({
  type: 'TrialStarted',
  data: { ...pair, startedAt, trialEndsAt, merchantReferenceId: null },
});
export const graceStarted = (dunningStartedAt: string, graceEndsAt: string): SubscriptionEvent => ({
  type: 'GracePeriodStarted',
  data: { ...pair, dunningStartedAt, graceEndsAt, merchantReferenceId: null },
});
export const cancelled = (cancelledAt: string, refundAmount = '0'): SubscriptionEvent => ({
  type: 'SubscriptionCancelled',
  data: { ...pair, cancelledAt, refundAmount },
});
export const cancellationRequested = (requestedAt: string): SubscriptionEvent => ({ type: 'CancellationRequested', data: { ...pair, requestedAt } });
export const expired = (expiredAt: string): SubscriptionEvent => ({ type: 'SubscriptionExpired', data: { ...pair, expiredAt } });
export const tierChanged = (changedAt: string, newRate: string, oldRate = '50'): SubscriptionEvent => ({
  type: 'TierChanged',
  data: { ...pair, oldRate, newRate, changedAt },
});
export const tipped = (tippedAt: string, amount: string): SubscriptionEvent => ({ type: 'TipReceived', data: { ...pair, token, amount, tippedAt } });
