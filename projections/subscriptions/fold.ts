import type { SubscriptionEvent } from '../../domain/subscription/events.ts';
import type { RecordedEvent } from '../../eventstore/types.ts';

export type SubscriptionStatus = 'none' | 'pending' | 'trialing' | 'active' | 'grace' | 'cancelled' | 'expired';

/** The in-memory row of the `subscriptions` read model: money as bigint, times as ISO strings. */
export interface SubscriptionRow {
  tenantId: string;
  subscriptionId: string;
  subscriber: string;
  creator: string;
  status: SubscriptionStatus;
  tier: string | null;
  token: string | null;
  ratePerSecond: bigint | null;
  totalBilled: bigint;
  billsCount: number;
  lastBilledAt: string | null;
  nextBillingAt: string | null;
  trialEndsAt: string | null;
  graceEndsAt: string | null;
  cancelRequestedAt: string | null;
  cancelledAt: string | null;
  refundAmount: bigint;
  tipsTotal: bigint;
  confirmedLedger: number | null;
  requestedAt: string | null;
  expiresAt: string | null;
  updatedAt: string;
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

export function emptySubscription(subscriber: string, creator: string, at: string): SubscriptionRow {
  return {
    tenantId: creator,
    subscriptionId: subscriptionKey(subscriber, creator),
    subscriber,
    creator,
    status: 'none',
    tier: null,
    token: null,
    ratePerSecond: null,
    totalBilled: 0n,
    billsCount: 0,
    lastBilledAt: null,
    nextBillingAt: null,
    trialEndsAt: null,
    graceEndsAt: null,
    cancelRequestedAt: null,
    cancelledAt: null,
    refundAmount: 0n,
    tipsTotal: 0n,
    confirmedLedger: null,
    requestedAt: null,
    expiresAt: null,
    updatedAt: at,
  };
}

const ms = (t: string | null): number => (t === null ? Number.NEGATIVE_INFINITY : Date.parse(t));
const later = (a: string | null, b: string): string => (ms(a) >= ms(b) ? a! : b);

/** A fact dated at or before the cancellation we already hold cannot move the status. */
function beforeCancellation(row: SubscriptionRow, at: string): boolean {
  return row.status === 'cancelled' && ms(at) <= ms(row.cancelledAt);
}

/** A trial or dunning that started before a payment we already hold is over. */
function beforeLastPayment(row: SubscriptionRow, at: string): boolean {
  return ms(at) < ms(row.lastBilledAt);
}

function charge(row: SubscriptionRow, amount: string, at: string): SubscriptionRow {
  const status = beforeCancellation(row, at) ? row.status : 'active';
  return { ...row, status, totalBilled: row.totalBilled + BigInt(amount), billsCount: row.billsCount + 1, lastBilledAt: later(row.lastBilledAt, at) };
}

/**
 * Folds one event into a row. Facts may come without their intent and out of order (billed
 * before activated, a stale activation after a cancellation): status changes are decided by the
 * facts' own timestamps, and sums never depend on order, so any interleaving of one stream's
 * facts gives the same totals.
 *
 * @example const row = evolveSubscription(undefined, recordedBilledEvent); // status 'active'
 */
export function evolveSubscription(current: SubscriptionRow | undefined, recorded: RecordedEvent): SubscriptionRow {
  const event = { type: recorded.type, data: recorded.data } as SubscriptionEvent;
  const { subscriber, creator } = event.data;
  if (!subscriber || !creator) throw new Error('event has no subscriber or creator');
  const base = current ?? emptySubscription(subscriber, creator, recorded.recordedAt.toISOString());
  const row: SubscriptionRow = { ...base, updatedAt: recorded.recordedAt.toISOString() };
  switch (event.type) {
    case 'SubscriptionRequested': {
      const d = event.data;
      const renewed = row.status === 'none' || row.status === 'expired' || (row.status === 'cancelled' && ms(d.requestedAt) > ms(row.cancelledAt));
      if (!renewed) return { ...row, tier: d.tier, token: row.token ?? d.token, ratePerSecond: row.ratePerSecond ?? BigInt(d.ratePerSecond), requestedAt: d.requestedAt, expiresAt: d.expiresAt };
      return { ...row, status: 'pending', tier: d.tier, token: d.token, ratePerSecond: BigInt(d.ratePerSecond), requestedAt: d.requestedAt, expiresAt: d.expiresAt, cancelRequestedAt: null };
    }
    case 'CancellationRequested': {
      // A request the chain never confirmed is withdrawn at once, as the domain decides.
      const at = event.data.requestedAt;
      return row.status === 'pending' ? { ...row, status: 'cancelled', cancelRequestedAt: at, cancelledAt: at } : { ...row, cancelRequestedAt: at };
    }
    case 'SubscriptionExpired':
      return row.status === 'pending' ? { ...row, status: 'expired' } : row;
    case 'SubscriptionActivated': {
      const d = event.data;
      const wakes = row.status === 'none' || row.status === 'pending' || row.status === 'expired' || (row.status === 'cancelled' && !beforeCancellation(row, d.activatedAt));
      return {
        ...row,
        status: wakes ? 'active' : row.status,
        token: d.token ?? row.token,
        ratePerSecond: BigInt(d.ratePerSecond),
        confirmedLedger: recorded.metadata.chain?.ledger ?? row.confirmedLedger,
        cancelRequestedAt: wakes && row.status === 'cancelled' ? null : row.cancelRequestedAt,
      };
    }
    case 'SubscriptionBilled':
      return charge(row, event.data.amount, event.data.billedAt);
    case 'SubscriptionRenewed': {
      const charged = charge(row, event.data.amount, event.data.renewedAt);
      return { ...charged, nextBillingAt: later(row.nextBillingAt, event.data.nextBillingAt) };
    }
    case 'TrialStarted': {
      const d = event.data;
      const starts = !beforeCancellation(row, d.startedAt) && !beforeLastPayment(row, d.startedAt);
      return { ...row, status: starts ? 'trialing' : row.status, trialEndsAt: d.trialEndsAt };
    }
    case 'GracePeriodStarted': {
      const d = event.data;
      const starts = !beforeCancellation(row, d.dunningStartedAt) && !beforeLastPayment(row, d.dunningStartedAt);
      return { ...row, status: starts ? 'grace' : row.status, graceEndsAt: d.graceEndsAt };
    }
    case 'SubscriptionCancelled': {
      const d = event.data;
      const resubscribed = beforeLastPayment(row, d.cancelledAt) && row.status !== 'cancelled';
      return {
        ...row,
        status: resubscribed ? row.status : 'cancelled',
        cancelledAt: later(row.cancelledAt, d.cancelledAt),
        refundAmount: row.refundAmount + BigInt(d.refundAmount),
      };
    }
    case 'TierChanged':
      return { ...row, ratePerSecond: BigInt(event.data.newRate) };
    case 'TipReceived':
      return { ...row, tipsTotal: row.tipsTotal + BigInt(event.data.amount) };
    default: {
      const unknown: never = event;
      throw new Error(`unhandled event ${(unknown as { type: string }).type}`);
    }
  }
}
