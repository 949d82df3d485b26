import { z } from 'zod';
import { AsOfApplied } from './as-of.ts';

export const SubscriptionStatus = z.enum(['none', 'pending', 'trialing', 'active', 'grace', 'cancelled', 'expired']);

const Time = z.string().nullable().describe('ISO-8601 UTC');
const Amount = z.string().describe('stroops, decimal string (chain money only)');

export const SubscriptionView = z
  .object({
    subscriptionId: z.string(),
    subscriber: z.string(),
    creator: z.string(),
    status: SubscriptionStatus,
    tier: z.string().nullable(),
    token: z.string().nullable(),
    ratePerSecond: Amount.nullable(),
    totalBilled: Amount,
    billsCount: z.number().int(),
    lastBilledAt: Time,
    nextBillingAt: Time,
    trialEndsAt: Time,
    graceEndsAt: Time,
    cancelRequestedAt: Time,
    cancelledAt: Time,
    refundAmount: Amount,
    tipsTotal: Amount,
    confirmedLedger: z.number().int().nullable().describe('ledger of the first chain fact, null while only requested'),
    requestedAt: Time,
    expiresAt: Time,
    updatedAt: z.string(),
    rail: z.enum(['wallet', 'card']).nullable().describe('wallet: the Stellar contract; card: Stripe'),
    cardBilled: z.record(z.string(), z.string()).describe('card money billed per ISO 4217 currency, in minor units (cents) as decimal strings; never part of totalBilled'),
    asOf: AsOfApplied.optional().describe('present on an as-of read: the bound the answer was folded for'),
  })
  .meta({ id: 'Subscription' });
