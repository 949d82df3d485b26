import type Stripe from 'stripe';
import type { CheckoutSessionOpened } from '../domain/subscription/events.ts';
import type { EventStore, RecordedEvent } from '../eventstore/types.ts';
import { onAccount } from '../platform/stripe.ts';

/** The Checkout Session recorded for the stream's latest request, if that request was a card one and it has one. */
export function checkoutOfLatestRequest(recorded: readonly RecordedEvent[]): CheckoutSessionOpened['data'] | null {
  const request = [...recorded].reverse().find((e) => e.type === 'SubscriptionRequested');
  if (!request || (request.data as { rail?: string }).rail !== 'card') return null;
  const opened = recorded.find((e) => e.type === 'CheckoutSessionOpened' && (e.data as CheckoutSessionOpened['data']).requestRevision === request.streamRevision);
  return opened ? (opened.data as CheckoutSessionOpened['data']) : null;
}

/** Stripe's answer for a session that is not `open` any more (already expired, or completed). */
const notExpirable = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { type?: string }).type === 'StripeInvalidRequestError' && (error as { statusCode?: number }).statusCode === 400;

/**
 * Expires in Stripe the open Checkout Session of a card request the subscriber cancelled before
 * paying (`POST /v1/checkout/sessions/:id/expire`), the Idempotency-Key naming the cancellation
 * (`expire:<stream>:<revision>`), so a retry repeats nothing. A session Stripe no longer lets
 * expire (completed meanwhile, or expired) is left alone: a completed one's subscription is
 * cancelled when its webhook arrives (record-stripe-event.ts). Returns the session id, or null
 * when none was recorded (the Checkout was never opened, or is not recorded yet).
 *
 * @example await expireOpenCheckout({ store, checkoutSessions: stripe.checkout.sessions }, streamId, cancellationRevision);
 */
export async function expireOpenCheckout(
  deps: { store: EventStore; checkoutSessions: Pick<Stripe.Checkout.SessionResource, 'expire'> },
  streamId: string,
  revision: number,
): Promise<{ sessionId: string; expired: boolean } | null> {
  const checkout = checkoutOfLatestRequest(await deps.store.readStream(streamId));
  if (!checkout) return null;
  const options = { idempotencyKey: `expire:${streamId}:${revision}`, ...onAccount(checkout.account) };
  try {
    await deps.checkoutSessions.expire(checkout.sessionId, {}, options);
    return { sessionId: checkout.sessionId, expired: true };
  } catch (error) {
    if (notExpirable(error)) return { sessionId: checkout.sessionId, expired: false };
    throw error;
  }
}
