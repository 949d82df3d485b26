import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { z } from 'zod';
import { creatorStreamId } from '../domain/creator/events.ts';
import { findTier, evolve as evolveCreator, initialState as initialCreator } from '../domain/creator/state.ts';
import { tierRatePerSecond } from '../domain/creator/tiers.ts';
import { DomainError } from '../domain/shared/errors.ts';
import { subscriptionDecider } from '../domain/subscription/decide.ts';
import { subscriptionStreamId, type CheckoutSessionOpened, type SubscriptionEvent } from '../domain/subscription/events.ts';
import { WrongExpectedRevision } from '../eventstore/errors.ts';
import type { SubscriptionState } from '../domain/subscription/state.ts';
import { traceOf, type CommandContext, type CommandDeps } from './context.ts';
import { decideAndAppend, foldAggregate, type CommandResult } from './handle-command.ts';
import { expireOpenCheckout } from './expire-card-checkout.ts';
import { StellarAddress } from './schemas.ts';
import { REQUEST_REVISION_KEY, SUBSCRIPTION_ID_KEY, TIER_KEY } from './stripe/webhook-facts.ts';
import { subscriptionId } from './subscription-id.ts';

export const RequestCardSubscriptionInput = z.object({ creator: StellarAddress, tier: z.string().min(1).max(32), rail: z.literal('card') });
export type RequestCardSubscriptionInput = z.infer<typeof RequestCardSubscriptionInput>;

/** What card subscriptions need besides the event store: Stripe's Checkout Sessions and where Checkout returns. */
export interface CardCheckoutDeps extends Pick<CommandDeps, 'store' | 'pendingTtlSeconds'> {
  checkoutSessions: Pick<Stripe.Checkout.SessionResource, 'create' | 'expire'>;
  successUrl: string;
  cancelUrl: string;
}

export interface RequestCardSubscriptionResult {
  subscriptionId: string;
  streamId: string;
  status: 'pending';
  revision: number;
  checkoutUrl: string;
  checkoutSessionId: string;
}

const MIN_CHECKOUT_SECONDS = 31 * 60;
const MAX_CHECKOUT_SECONDS = 24 * 3600 - 60;

/** The Checkout Session's `expires_at`: the intent's expiry, within Stripe's window (30 min … 24 h from now, with a minute of margin). */
function checkoutExpiry(expiresAt: string | null): number {
  const now = Math.floor(Date.now() / 1000);
  const wanted = expiresAt === null ? now + MAX_CHECKOUT_SECONDS : Math.floor(Date.parse(expiresAt) / 1000);
  return Math.min(Math.max(wanted, now + MIN_CHECKOUT_SECONDS), now + MAX_CHECKOUT_SECONDS);
}

/**
 * Opens the Checkout Session of a just-recorded intent; when Stripe refuses, cancels the intent
 * (CancellationRequested) before rethrowing, so no pending request blocks the retry.
 */
async function openCheckout<T>(
  deps: CardCheckoutDeps,
  streamId: string,
  intent: CommandResult<SubscriptionState, SubscriptionEvent>,
  create: () => Promise<T>,
  context: CommandContext,
): Promise<T> {
  try {
    return await create();
  } catch (error) {
    const { subscriber, creator } = intent.state;
    await decideAndAppend(
      deps.store, streamId, subscriptionDecider,
      { state: intent.state, revision: intent.revision },
      { type: 'RequestCancellation', data: { subscriber: subscriber!, creator: creator! }, metadata: { now: context.now, actor: context.actor } },
      // Not the request's attempt: a retry must not take this compensation for its committed first try.
      { ...traceOf(context, context.tenantId ?? creator!), attemptId: undefined },
    );
    throw error;
  }
}

/**
 * Records the Checkout Session that pays the request (`CheckoutSessionOpened`), where a
 * cancellation finds it. Written after the request at the next revision, or after whatever was
 * appended meanwhile (a concurrent cancellation): then the session is expired at once.
 */
async function recordCheckout(deps: CardCheckoutDeps, streamId: string, requestRevision: number, data: CheckoutSessionOpened['data'], context: CommandContext): Promise<void> {
  const event = { id: randomUUID(), type: 'CheckoutSessionOpened', data, metadata: { source: 'command' as const, tenantId: context.tenantId ?? data.creator, correlationId: context.correlationId } };
  try {
    await deps.store.append(streamId, [event], { expectedRevision: requestRevision });
  } catch (error) {
    if (!(error instanceof WrongExpectedRevision)) throw error;
    const appended = await deps.store.append(streamId, [event], { expectedRevision: 'any' });
    await expireOpenCheckout({ store: deps.store, checkoutSessions: deps.checkoutSessions }, streamId, appended.revision);
  }
}

/**
 * Records the intent to subscribe by card (`rail: 'card'`) and opens a Stripe Checkout Session in
 * subscription mode for the tier's monthly card price (its synced Stripe Price, else inline price data), `client_reference_id` = our subscription id
 * (also in the subscription's metadata, so every later webhook names it). The intent's stream
 * revision is the Idempotency-Key: a retry of the same attempt gets the same session.
 *
 * @example const { checkoutUrl } = await requestCardSubscription(deps, { creator: 'GB…', tier: 'gold', rail: 'card' }, context);
 */
export async function requestCardSubscription(deps: CardCheckoutDeps, input: RequestCardSubscriptionInput, context: CommandContext): Promise<RequestCardSubscriptionResult> {
  const { creator, tier: tierName } = RequestCardSubscriptionInput.parse(input);
  const subscriber = context.actor;
  if (!StellarAddress.safeParse(subscriber).success) {
    throw new DomainError('SUBSCRIPTION.INVALID_SUBSCRIBER', 'only a Stellar account or contract can subscribe', { actor: subscriber });
  }
  const streamId = subscriptionStreamId(subscriber, creator);
  const [creatorEvents, subscriptionEvents] = await deps.store.readStreams([creatorStreamId(creator), streamId]);
  const { state: creatorState } = foldAggregate(creatorEvents!, { initialState: initialCreator, evolve: evolveCreator });
  if (creatorState.status !== 'registered') throw new DomainError('CREATOR.NOT_FOUND', `no creator ${creator}`, { creator });
  const tier = findTier(creatorState, tierName);
  if (!tier) throw new DomainError('SUBSCRIPTION.UNKNOWN_TIER', `${creator} offers no tier ${tierName}`, { creator, tier: tierName });
  if (!tier.card) throw new DomainError('SUBSCRIPTION.CARD_NOT_OFFERED', `${creator} offers ${tierName} by wallet only`, { creator, tier: tierName });
  const result = await decideAndAppend(
    deps.store,
    streamId,
    subscriptionDecider,
    foldAggregate(subscriptionEvents!, subscriptionDecider),
    {
      type: 'RequestSubscription',
      data: { subscriber, creator, tier: tier.name, token: tier.token, ratePerSecond: tierRatePerSecond(tier.price), pendingTtlSeconds: deps.pendingTtlSeconds, rail: 'card' },
      metadata: { now: context.now, actor: context.actor },
    },
    traceOf(context, context.tenantId ?? creator),
  );
  const id = subscriptionId(subscriber, creator);
  const card = tier.card;
  // The catalogue's Price when the sync has caught up with this price; inline price data until then.
  const synced = creatorState.stripe?.prices.find((p) => p.tier === tier.name && p.currency === card.currency && p.amount === card.amount);
  // The request this session pays: a webhook about it only counts while it is the stream's current request.
  const metadata = { [SUBSCRIPTION_ID_KEY]: id, creator, [TIER_KEY]: tier.name, [REQUEST_REVISION_KEY]: String(result.revision) };
  const expiresAt = checkoutExpiry(result.state.expiresAt);
  const session = await openCheckout(deps, streamId, result, () => deps.checkoutSessions.create(
    {
      mode: 'subscription',
      client_reference_id: id,
      expires_at: expiresAt,
      success_url: deps.successUrl,
      cancel_url: deps.cancelUrl,
      line_items: [synced ? { price: synced.priceId, quantity: 1 } : {
        quantity: 1,
        price_data: {
          currency: card.currency.toLowerCase(),
          unit_amount: Number(card.amount),
          recurring: { interval: 'month' },
          product_data: { name: `${creatorState.displayName || creator} — ${tier.name}`, metadata: { creator } },
        },
      }],
      metadata,
      subscription_data: { metadata },
    },
    { idempotencyKey: `checkout:${streamId}:${result.revision}` },
  ), context);
  if (!session.url) throw new Error(`Stripe returned Checkout Session ${session.id} without a url`);
  await recordCheckout(deps, streamId, result.revision, {
    subscriber, creator, sessionId: session.id, requestRevision: result.revision, account: null, openedAt: context.now, expiresAt: new Date(expiresAt * 1000).toISOString(),
  }, context);
  return { subscriptionId: id, streamId, status: 'pending', revision: result.revision, checkoutUrl: session.url, checkoutSessionId: session.id };
}
