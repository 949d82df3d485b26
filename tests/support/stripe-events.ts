import Stripe from 'stripe';

/** The webhook signing secret of test apps. */
export const TEST_WEBHOOK_SECRET = 'whsec_testsecretforsubstreamwebhooks0123';

const API_VERSION = '2026-10-28.endive';
let counter = 0;
const nextId = (prefix: string) => `${prefix}_${Date.now().toString(36)}${(counter++).toString(36).padStart(6, '0')}`;

/** A Stripe `event` envelope around an object, shaped like Stripe's (API version of the installed SDK). */
export function stripeEvent(type: string, object: Record<string, unknown>, created: number, id = nextId('evt')): Record<string, unknown> {
  return {
    id, object: 'event', api_version: API_VERSION, created, type, livemode: false, pending_webhooks: 1,
    request: { id: nextId('req'), idempotency_key: null }, data: { object },
  };
}

export interface CardTimeline {
  subscriptionId: string;
  stripeSubscription: string;
  customer: string;
  start: number;
}

/** `checkout.session.completed` of a subscription-mode Checkout Session (client_reference_id = our subscription id). */
export function checkoutCompleted(c: CardTimeline, created = c.start - 30): Record<string, unknown> {
  return stripeEvent('checkout.session.completed', {
    id: nextId('cs_test'), object: 'checkout.session', mode: 'subscription', status: 'complete', payment_status: 'paid',
    client_reference_id: c.subscriptionId, customer: c.customer, subscription: c.stripeSubscription, currency: 'usd',
    amount_subtotal: 500, amount_total: 500, created, expires_at: created + 86_400, livemode: false,
    metadata: { substream_subscription_id: c.subscriptionId }, url: null,
  }, c.start);
}

/** A `subscription` object in a given status. */
export function subscriptionObject(c: CardTimeline, status: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: c.stripeSubscription, object: 'subscription', customer: c.customer, status, currency: 'usd', created: c.start, start_date: c.start,
    billing_cycle_anchor: c.start, cancel_at: null, cancel_at_period_end: false, canceled_at: null, ended_at: null, trial_start: null, trial_end: null,
    collection_method: 'charge_automatically', livemode: false, metadata: { substream_subscription_id: c.subscriptionId },
    items: { object: 'list', data: [{ id: nextId('si'), object: 'subscription_item', current_period_start: c.start, current_period_end: c.start + 2_592_000, price: { id: 'price_gold', object: 'price', currency: 'usd', unit_amount: 500, recurring: { interval: 'month', interval_count: 1 } }, quantity: 1 }], has_more: false, url: `/v1/subscription_items?subscription=${c.stripeSubscription}` },
    ...extra,
  };
}

/** An `invoice` object of the subscription (API ≥ 2025-03-31: the subscription under `parent.subscription_details`). */
export function invoiceObject(c: CardTimeline, status: 'paid' | 'open', created: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const paid = status === 'paid';
  return {
    id: nextId('in'), object: 'invoice', customer: c.customer, currency: 'usd', status, created, livemode: false,
    amount_due: 500, amount_paid: paid ? 500 : 0, amount_remaining: paid ? 0 : 500, attempt_count: 1, attempted: true,
    billing_reason: 'subscription_cycle', collection_method: 'charge_automatically', due_date: null, next_payment_attempt: paid ? null : created + 3 * 86_400,
    parent: { type: 'subscription_details', quote_details: null, subscription_details: { subscription: c.stripeSubscription, metadata: { substream_subscription_id: c.subscriptionId } } },
    status_transitions: { finalized_at: created + 60, paid_at: paid ? created + 120 : null, marked_uncollectible_at: null, voided_at: null },
    period_start: created, period_end: created + 2_592_000,
    ...extra,
  };
}

/**
 * Signs a payload as Stripe does (`t=…,v1=HMAC-SHA256(secret, "t.payload")`), at `timestamp` (unix seconds; default now).
 *
 * @example const header = signStripePayload(JSON.stringify(event));
 */
export function signStripePayload(payload: string, options: { secret?: string; timestamp?: number } = {}): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? TEST_WEBHOOK_SECRET, ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }) });
}

/** A subscription's `items` list with one monthly licensed price of `unitAmount` minor units of `currency` (lower case, as Stripe sends it). */
export function monthlyItems(c: CardTimeline, currency: string, unitAmount: number, quantity = 1): Record<string, unknown> {
  return {
    object: 'list', has_more: false, url: `/v1/subscription_items?subscription=${c.stripeSubscription}`,
    data: [{
      id: nextId('si'), object: 'subscription_item', current_period_start: c.start, current_period_end: c.start + 2_592_000, quantity,
      price: { id: nextId('price'), object: 'price', currency, unit_amount: unitAmount, type: 'recurring', recurring: { interval: 'month', interval_count: 1, usage_type: 'licensed' } },
    }],
  };
}
