import type Stripe from 'stripe';
import type { EventStore } from '../eventstore/types.ts';

/**
 * The Stripe subscription (`sub_…`) a stream's card facts name, latest first; null before any.
 * The completed checkout names it too, so a cancellation before `customer.subscription.created` finds it.
 *
 * @example await stripeSubscriptionOf(store, 'subscription-GA…-GB…') // 'sub_1Q…'
 */
export async function stripeSubscriptionOf(store: EventStore, streamId: string): Promise<string | null> {
  const events = await store.readStream(streamId);
  for (const event of [...events].reverse()) {
    const stripe = event.metadata.stripe as { key?: string; subscription?: string } | undefined;
    if (stripe?.subscription && /^sub_[A-Za-z0-9]+$/.test(stripe.subscription)) return stripe.subscription;
    const match = stripe?.key ? /^(?:activated|trial|cancelled):(sub_[A-Za-z0-9]+)$/.exec(stripe.key) : null;
    if (match) return match[1]!;
  }
  return null;
}

/**
 * Asks Stripe to cancel a card subscription at the end of its paid period
 * (`cancel_at_period_end`), the Idempotency-Key naming the recorded cancellation intent, so a
 * retry repeats nothing. The `customer.subscription.deleted` webhook then records the
 * SubscriptionCancelled fact. Returns the Stripe subscription id, or null when no card fact
 * named one yet (a pending checkout: the intent alone cancels it).
 *
 * @example await cancelCardAtPeriodEnd({ store, subscriptions: stripe.subscriptions }, streamId, revision);
 */
export async function cancelCardAtPeriodEnd(
  deps: { store: EventStore; subscriptions: Pick<Stripe.SubscriptionResource, 'update'> },
  streamId: string,
  revision: number,
): Promise<string | null> {
  const stripeSubscription = await stripeSubscriptionOf(deps.store, streamId);
  if (!stripeSubscription) return null;
  await deps.subscriptions.update(stripeSubscription, { cancel_at_period_end: true }, { idempotencyKey: `cancel:${streamId}:${revision}` });
  return stripeSubscription;
}
