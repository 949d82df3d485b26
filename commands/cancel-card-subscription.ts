import type Stripe from 'stripe';
import type { EventStore } from '../eventstore/types.ts';
import { onAccount } from '../platform/stripe.ts';

/** A Stripe subscription and the Stripe account that holds it (null: the platform's own; a connected account with Connect). */
export interface StripeSubscriptionRef {
  subscription: string;
  account: string | null;
}

/**
 * The Stripe subscription (`sub_…`) a stream's card facts name, latest first, with the account
 * those facts came from; null before any. The completed checkout names it too, so a cancellation
 * before `customer.subscription.created` finds it.
 *
 * @example await stripeSubscriptionOf(store, 'subscription-GA…-GB…') // { subscription: 'sub_1Q…', account: null }
 */
export async function stripeSubscriptionOf(store: EventStore, streamId: string): Promise<StripeSubscriptionRef | null> {
  const events = await store.readStream(streamId);
  for (const event of [...events].reverse()) {
    const stripe = event.metadata.stripe as { key?: string; subscription?: string; account?: string | null } | undefined;
    const account = stripe?.account ?? null;
    if (stripe?.subscription && /^sub_[A-Za-z0-9]+$/.test(stripe.subscription)) return { subscription: stripe.subscription, account };
    const match = stripe?.key ? /^(?:activated|trial|cancelled):(sub_[A-Za-z0-9]+)$/.exec(stripe.key) : null;
    if (match) return { subscription: match[1]!, account };
  }
  return null;
}

/**
 * Asks Stripe to cancel a card subscription at the end of its paid period
 * (`cancel_at_period_end`), in the Stripe account that holds it, the Idempotency-Key naming the
 * recorded cancellation intent, so a retry repeats nothing. The `customer.subscription.deleted`
 * webhook then records the SubscriptionCancelled fact. Returns the Stripe subscription id, or null
 * when no card fact named one yet (a pending checkout: see expireOpenCheckout).
 *
 * @example await cancelCardAtPeriodEnd({ store, subscriptions: stripe.subscriptions }, streamId, revision);
 */
export async function cancelCardAtPeriodEnd(
  deps: { store: EventStore; subscriptions: Pick<Stripe.SubscriptionResource, 'update'> },
  streamId: string,
  revision: number,
): Promise<string | null> {
  const ref = await stripeSubscriptionOf(deps.store, streamId);
  if (!ref) return null;
  await deps.subscriptions.update(ref.subscription, { cancel_at_period_end: true }, { idempotencyKey: `cancel:${streamId}:${revision}`, ...onAccount(ref.account) });
  return ref.subscription;
}
