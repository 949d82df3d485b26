import type Stripe from 'stripe';
import type { SubscriptionFact } from '../../domain/subscription/events.ts';
import { parseSubscriptionId } from '../subscription-id.ts';
import { monthlyAmountOf } from './monthly-amount.ts';

/** The metadata key that carries our subscription id on Stripe subscriptions (set through Checkout). */
export const SUBSCRIPTION_ID_KEY = 'substream_subscription_id';
/** The metadata key that carries the stream revision of the card request a Checkout Session pays. */
export const REQUEST_REVISION_KEY = 'substream_request_revision';
/** The metadata key that carries the tier a Checkout Session pays. */
export const TIER_KEY = 'tier';

/** The card request (its SubscriptionRequested revision and tier) a Stripe object was opened for. */
export interface CardRequest {
  revision: number;
  tier: string;
}

/** One fact a Stripe event proves, with the key of what it records (an object seen once, whatever the event). */
export interface StripeFact {
  /**
   * `checkout:cs_…`, `activated:sub_…`, `trial:sub_…`, `billed:in_…`, `grace:in_…:<attempt>`, `cancelled:sub_…`.
   * The checkout and the subscription each date an activation (session created, subscription
   * start): the fold keeps the later, so their order does not matter.
   */
  key: string;
  fact: SubscriptionFact;
  /** The Stripe subscription (`sub_…`) the fact is about, when known. */
  stripeSubscription?: string;
}

export type StripeFacts =
  | { kind: 'facts'; subscriber: string; creator: string; request: CardRequest | null; facts: StripeFact[] }
  | { kind: 'ignored'; reason: string };

const iso = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString();
const ignored = (reason: string): StripeFacts => ({ kind: 'ignored', reason });

function pairFrom(id: string | null | undefined, type: string): { subscriber: string; creator: string } | StripeFacts {
  const pair = id ? parseSubscriptionId(id) : null;
  return pair ? { subscriber: pair.subscriber, creator: pair.creator } : ignored(`${type} names no SubStream subscription`);
}

function requestOf(metadata: Record<string, string> | null | undefined): CardRequest | null {
  const revision = metadata?.[REQUEST_REVISION_KEY];
  const tier = metadata?.[TIER_KEY];
  return revision !== undefined && /^\d{1,15}$/.test(revision) && tier ? { revision: Number(revision), tier } : null;
}

const idOf = (value: string | { id: string } | null | undefined): string | null => (value == null ? null : typeof value === 'string' ? value : value.id);

function checkoutFacts(session: Stripe.Checkout.Session): StripeFacts {
  if (session.mode !== 'subscription' || session.status !== 'complete') return ignored('not a completed subscription checkout');
  if (session.payment_status === 'unpaid') return ignored('checkout completed unpaid (delayed payment): the invoice decides');
  const pair = pairFrom(session.client_reference_id, 'checkout.session.completed');
  if ('kind' in pair) return pair;
  const stripeSubscription = idOf(session.subscription);
  if (!stripeSubscription) return ignored('checkout session without a subscription');
  const currency = (session.currency ?? 'usd').toUpperCase();
  return {
    kind: 'facts', ...pair, request: requestOf(session.metadata),
    facts: [{ key: `checkout:${session.id}`, stripeSubscription, fact: { type: 'SubscriptionActivated', data: { ...pair, token: null, ratePerSecond: '0', planId: null, activatedAt: iso(session.created), currency } } }],
  };
}

function subscriptionFacts(subscription: Stripe.Subscription, type: string): StripeFacts {
  const pair = pairFrom(subscription.metadata?.[SUBSCRIPTION_ID_KEY], type);
  if ('kind' in pair) return pair;
  const currency = subscription.currency.toUpperCase();
  const facts: StripeFact[] = [];
  const ended = subscription.ended_at ?? subscription.canceled_at;
  if (subscription.status === 'trialing' && subscription.trial_start !== null && subscription.trial_end !== null) {
    facts.push({ key: `trial:${subscription.id}`, fact: { type: 'TrialStarted', data: { ...pair, startedAt: iso(subscription.trial_start), trialEndsAt: iso(subscription.trial_end), merchantReferenceId: subscription.id } } });
  }
  // Activation is the subscription's own start (or its trial's end): known whatever the event order.
  const activatedAt = subscription.trial_end !== null && subscription.trial_end > subscription.start_date ? subscription.trial_end : subscription.start_date;
  const wasLive = ['active', 'past_due', 'unpaid'].includes(subscription.status) || (subscription.status === 'canceled' && ended !== null && activatedAt < ended);
  if (wasLive) {
    const monthly = monthlyAmountOf(subscription.items?.data ?? []);
    const data = { ...pair, token: null, ratePerSecond: '0', planId: null, activatedAt: iso(activatedAt), currency };
    facts.push({ key: `activated:${subscription.id}`, fact: { type: 'SubscriptionActivated', data: monthly === null ? data : { ...data, monthlyAmount: monthly } } });
  }
  if (subscription.status === 'canceled' && ended !== null) {
    facts.push({ key: `cancelled:${subscription.id}`, fact: { type: 'SubscriptionCancelled', data: { ...pair, refundAmount: '0', cancelledAt: iso(ended) } } });
  }
  return { kind: 'facts', ...pair, request: requestOf(subscription.metadata), facts };
}

const invoiceMetadata = (invoice: Stripe.Invoice) => invoice.parent?.subscription_details?.metadata;

function invoiceFacts(invoice: Stripe.Invoice, type: 'invoice.paid' | 'invoice.payment_failed'): StripeFacts {
  const pair = pairFrom(invoiceMetadata(invoice)?.[SUBSCRIPTION_ID_KEY], type);
  if ('kind' in pair) return pair;
  const currency = invoice.currency.toUpperCase();
  if (type === 'invoice.paid') {
    const paidAt = invoice.status_transitions.paid_at ?? invoice.created;
    return {
      kind: 'facts', ...pair, request: requestOf(invoiceMetadata(invoice)),
      facts: [{ key: `billed:${invoice.id}`, fact: { type: 'SubscriptionBilled', data: { ...pair, amount: String(invoice.amount_paid), billedAt: iso(paidAt), merchantReferenceId: invoice.id ?? null, receiptHash: null, currency } } }],
    };
  }
  // The failed attempt's own time is not on the invoice: the finalisation (or creation) dates the dunning, the next attempt ends the grace.
  const startedAt = invoice.status_transitions.finalized_at ?? invoice.created;
  const graceEndsAt = invoice.next_payment_attempt ?? invoice.due_date ?? startedAt;
  return {
    kind: 'facts', ...pair, request: requestOf(invoiceMetadata(invoice)),
    facts: [{ key: `grace:${invoice.id}:${invoice.attempt_count}`, fact: { type: 'GracePeriodStarted', data: { ...pair, dunningStartedAt: iso(startedAt), graceEndsAt: iso(graceEndsAt), merchantReferenceId: invoice.id ?? null } } }],
  };
}

/**
 * The subscription facts a verified Stripe event proves, dated by the Stripe object's own
 * timestamps (never by arrival), so any delivery order folds to the same state. Event types we
 * do not map, and objects that name no SubStream subscription, are `ignored`.
 *
 * @example stripeFacts(invoicePaidEvent) // { kind: 'facts', subscriber, creator, facts: [{ key: 'billed:in_…', fact: SubscriptionBilled }] }
 */
export function stripeFacts(event: Stripe.Event): StripeFacts {
  switch (event.type) {
    case 'checkout.session.completed':
      return checkoutFacts(event.data.object);
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted':
      return subscriptionFacts(event.data.object, event.type);
    case 'invoice.paid':
    case 'invoice.payment_failed':
      return invoiceFacts(event.data.object, event.type);
    default:
      return ignored(`event type ${event.type} is not mapped`);
  }
}
