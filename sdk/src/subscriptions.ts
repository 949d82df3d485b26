import type { CallOptions, Transport } from './transport.ts';
import type { CardSubscriptionRequested, MySubscriptions, SubscribeInput, Subscription, SubscriptionCancellationRequested, SubscriptionRequested } from './types.ts';

/**
 * Subscriptions of the calling wallet.
 *
 * @example const { subscribe } = subscriptionMethods(createTransport({ baseUrl, token }));
 */
export function subscriptionMethods(send: Transport) {
  return {
    /**
     * Asks to subscribe to a creator's tier: pending until the chain confirms; sign `contractCall`.
     *
     * @example const { subscriptionId, contractCall } = await client.subscribe({ creator: 'GABC…', tier: 'gold' });
     */
    subscribe(input: SubscribeInput, options?: CallOptions): Promise<SubscriptionRequested> {
      return send({ method: 'POST', path: 'v1/subscriptions', body: { ...input, rail: 'wallet' }, idempotent: true }, options);
    },

    /**
     * Asks to subscribe by card: pending until Stripe's signed webhooks confirm; send the subscriber to `checkoutUrl`.
     *
     * @example const { checkoutUrl } = await client.subscribeByCard({ creator: 'GABC…', tier: 'gold' });
     */
    subscribeByCard(input: SubscribeInput, options?: CallOptions): Promise<CardSubscriptionRequested> {
      return send({ method: 'POST', path: 'v1/subscriptions', body: { ...input, rail: 'card' }, idempotent: true }, options);
    },

    /**
     * Asks to cancel a subscription (`<subscriber>-<creator>`).
     *
     * @example await client.cancelSubscription(subscriptionId);
     */
    cancelSubscription(id: string, options?: CallOptions): Promise<SubscriptionCancellationRequested> {
      return send({ method: 'POST', path: `v1/subscriptions/${encodeURIComponent(id)}/cancel`, idempotent: true }, options);
    },

    /**
     * One subscription the caller may see (as subscriber or as the creator).
     *
     * @example const { status } = await client.getSubscription(subscriptionId);
     */
    getSubscription(id: string, options?: CallOptions): Promise<Subscription> {
      return send({ method: 'GET', path: `v1/subscriptions/${encodeURIComponent(id)}` }, options);
    },

    /**
     * Every subscription of the calling wallet, across creators.
     *
     * @example const mine = await client.listMySubscriptions();
     */
    async listMySubscriptions(options?: CallOptions): Promise<Subscription[]> {
      const { items } = await send<MySubscriptions>({ method: 'GET', path: 'v1/me/subscriptions' }, options);
      return items;
    },
  };
}

export type SubscriptionMethods = ReturnType<typeof subscriptionMethods>;
