import type { StreamCreated, StreamWithdrawn } from '../../domain/stream/events.ts';
import type { SubscriptionFact, SubscriptionRequested } from '../../domain/subscription/events.ts';
import type { RecordedEvent } from '../../eventstore/types.ts';
import { subscriptionKey } from '../subscriptions/fold.ts';

export type AnalyticsStatus = 'active' | 'trialing' | 'grace' | 'cancelled';

/** One row of `analytics_subscription_facts`: what a fact says about its subscription, and when. */
export interface SubscriptionFactRow {
  global_position: string;
  tenant_id: string;
  subscription_id: string;
  at: string;
  kind: string;
  status: AnalyticsStatus | null;
  /** A token's contract id, or `currency:<CODE>` for a card subscription's money. */
  token: string | null;
  rate_per_second: string | null;
  /** Card only: minor units per month (a chain fact's monthly amount is its rate × 2,592,000). */
  monthly_amount: string | null;
}

/** One addition to `analytics_daily_amounts`; `stream_id` (the event-store stream) decides its token. */
export interface DailyAmount {
  tenant_id: string;
  metric: 'revenue' | 'withdrawals';
  day: string;
  stream_id: string;
  amount: string;
  /** Card money's ISO 4217 code: filed under `currency:<CODE>`, never under a token. */
  currency?: string;
}

/** One row of `analytics_money_tokens`: the token a money-moving stream pays in. */
export interface MoneyToken {
  stream_id: string;
  tenant_id: string;
  token: string;
}

export const CREATOR_ANALYTICS_EVENT_TYPES = [
  'SubscriptionRequested',
  'StreamCreated',
  'SubscriptionActivated',
  'SubscriptionBilled',
  'SubscriptionRenewed',
  'TrialStarted',
  'GracePeriodStarted',
  'SubscriptionCancelled',
  'TierChanged',
  'StreamWithdrawn',
] as const satisfies readonly (SubscriptionFact['type'] | SubscriptionRequested['type'] | StreamCreated['type'] | StreamWithdrawn['type'])[];

const utcDay = (at: string): string => new Date(at).toISOString().slice(0, 10);

type Handled = Exclude<SubscriptionFact, { type: 'TipReceived' }> | SubscriptionRequested | StreamCreated | StreamWithdrawn;

/**
 * The token an event says its stream pays in, if it names one: a subscription intent, an
 * activation naming its token (the older `subscribed` shape names none), a payment stream's creation.
 *
 * @example moneyTokenOf(recordedStreamCreated) // { stream_id: 'stream-C…-1', tenant_id: receiver, token: 'C…' }
 */
export function moneyTokenOf(recorded: RecordedEvent): MoneyToken | undefined {
  const event = { type: recorded.type, data: recorded.data } as Handled;
  const stream_id = recorded.streamId;
  switch (event.type) {
    case 'SubscriptionRequested':
      // A card intent names the tier's token but will be paid in a currency.
      return event.data.token && event.data.rail !== 'card' ? { stream_id, tenant_id: event.data.creator, token: event.data.token } : undefined;
    case 'SubscriptionActivated':
      return event.data.token ? { stream_id, tenant_id: event.data.creator, token: event.data.token } : undefined;
    case 'StreamCreated':
      return { stream_id, tenant_id: event.data.receiver, token: event.data.token };
    default:
      return undefined;
  }
}

/**
 * What one chain or card fact contributes to creator analytics. A subscription's status at a moment is
 * the status of its latest-dated fact at or before it (ties by log position): activated, billed
 * and renewed mean `active`; its rate is the latest activation or tier change; its token the
 * latest activation naming one (a card activation names `currency:<CODE>` and its monthly amount). Revenue is `SubscriptionBilled` by UTC day of `billedAt`;
 * withdrawals are `StreamWithdrawn` by day of `withdrawnAt`, for the beneficiary (the receiver);
 * each amount names its event-store stream, whose token the projector files it under.
 *
 * @example const { fact, amount } = creatorFactOf(recordedBilledEvent);
 */
export function creatorFactOf(recorded: RecordedEvent): { fact?: SubscriptionFactRow; amount?: DailyAmount } {
  const event = { type: recorded.type, data: recorded.data } as Handled;
  // Read only for their token (moneyTokenOf): an intent is no fact, a creation moves no money yet.
  if (event.type === 'SubscriptionRequested' || event.type === 'StreamCreated') return {};
  if (event.type === 'StreamWithdrawn') {
    const d = event.data;
    return { amount: { tenant_id: d.beneficiary, metric: 'withdrawals', day: utcDay(d.withdrawnAt), stream_id: recorded.streamId, amount: d.amount } };
  }
  const { subscriber, creator } = event.data;
  const base = { global_position: recorded.globalPosition.toString(), tenant_id: creator, subscription_id: subscriptionKey(subscriber, creator), kind: event.type };
  const row = (at: string, status: AnalyticsStatus | null, token: string | null = null, rate: string | null = null, monthly: string | null = null): SubscriptionFactRow =>
    ({ ...base, at: new Date(at).toISOString(), status, token, rate_per_second: rate, monthly_amount: monthly });
  switch (event.type) {
    case 'SubscriptionActivated': {
      const { activatedAt, token, ratePerSecond, currency, monthlyAmount } = event.data;
      // A card subscription's money is its currency, per month; it has no rate of a token.
      if (currency !== undefined) return { fact: row(activatedAt, 'active', `currency:${currency}`, null, monthlyAmount ?? null) };
      return { fact: row(activatedAt, 'active', token, ratePerSecond) };
    }
    case 'SubscriptionBilled':
      return {
        fact: row(event.data.billedAt, 'active'),
        amount: {
          tenant_id: creator, metric: 'revenue', day: utcDay(event.data.billedAt), stream_id: recorded.streamId, amount: event.data.amount,
          ...(event.data.currency === undefined ? {} : { currency: event.data.currency }),
        },
      };
    case 'SubscriptionRenewed':
      return { fact: row(event.data.renewedAt, 'active') };
    case 'TrialStarted':
      return { fact: row(event.data.startedAt, 'trialing') };
    case 'GracePeriodStarted':
      return { fact: row(event.data.dunningStartedAt, 'grace') };
    case 'SubscriptionCancelled':
      return { fact: row(event.data.cancelledAt, 'cancelled') };
    case 'TierChanged':
      return { fact: row(event.data.changedAt, null, null, event.data.newRate) };
    default: {
      const unknown: never = event;
      throw new Error(`unhandled event ${(unknown as { type: string }).type}`);
    }
  }
}
