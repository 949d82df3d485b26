import { z } from 'zod';
import type { SubscriptionRow } from '../../projections/subscriptions/queries.ts';

export const SubscriptionStatus = z.enum(['none', 'pending', 'trialing', 'active', 'grace', 'cancelled', 'expired']);

const Time = z.string().nullable().describe('ISO-8601 UTC');
const Amount = z.string().describe('stroops, decimal string');

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
  })
  .meta({ id: 'Subscription' });

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/** The read-model row as the API shows it (amounts stay decimal strings). */
export function toSubscriptionView(row: SubscriptionRow): z.infer<typeof SubscriptionView> {
  return {
    subscriptionId: row.subscription_id,
    subscriber: row.subscriber,
    creator: row.creator,
    status: SubscriptionStatus.parse(row.status),
    tier: row.tier,
    token: row.token,
    ratePerSecond: row.rate_per_second,
    totalBilled: row.total_billed,
    billsCount: row.bills_count,
    lastBilledAt: iso(row.last_billed_at),
    nextBillingAt: iso(row.next_billing_at),
    trialEndsAt: iso(row.trial_ends_at),
    graceEndsAt: iso(row.grace_ends_at),
    cancelRequestedAt: iso(row.cancel_requested_at),
    cancelledAt: iso(row.cancelled_at),
    refundAmount: row.refund_amount,
    tipsTotal: row.tips_total,
    confirmedLedger: row.confirmed_ledger,
    requestedAt: iso(row.requested_at),
    expiresAt: iso(row.expires_at),
    updatedAt: iso(row.updated_at)!,
  };
}
