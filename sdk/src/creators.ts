import type { CallOptions, Transport } from './transport.ts';
import type { Creator, RegisteredCreator, RegisterCreatorInput, SetTiersInput, SubscriberFilter, SubscriberPage, TiersSet } from './types.ts';

/**
 * Creators: register, tiers, public profile, and the creator's own subscribers.
 *
 * @example const { getCreator } = creatorMethods(createTransport({ baseUrl }));
 */
export function creatorMethods(send: Transport) {
  return {
    /**
     * Registers the caller's tenant as a creator (a token with a tenant claim, or an `admin:all` key).
     *
     * @example await creatorClient.registerCreator({ displayName: 'Ada' });
     */
    registerCreator(input: RegisterCreatorInput, options?: CallOptions): Promise<RegisteredCreator> {
      return send({ method: 'POST', path: 'v1/creators', body: input, idempotent: true }, options);
    },

    /**
     * Replaces the creator's tiers; prices are stroops (string or bigint).
     *
     * @example await creatorClient.setTiers({ tiers: [{ name: 'gold', token, price: { kind: 'rate', ratePerSecond: 5n } }] });
     */
    setTiers(input: SetTiersInput, options?: CallOptions): Promise<TiersSet> {
      return send({ method: 'PUT', path: 'v1/creators/me/tiers', body: input, idempotent: true }, options);
    },

    /**
     * A creator's public profile and tiers (no authentication needed).
     *
     * @example const { tiers } = await client.getCreator('GABC…');
     */
    getCreator(address: string, options?: CallOptions): Promise<Creator> {
      return send({ method: 'GET', path: `v1/creators/${encodeURIComponent(address)}` }, options);
    },

    /**
     * One page of the calling creator's subscribers; pass `nextCursor` back as `cursor` for the next.
     *
     * @example
     * for (let cursor: string | undefined; ; ) {
     *   const page = await creatorClient.listSubscribers({ status: 'active', cursor, limit: 100 });
     *   if (!page.nextCursor) break; cursor = page.nextCursor;
     * }
     */
    listSubscribers(filter: SubscriberFilter = {}, options?: CallOptions): Promise<SubscriberPage> {
      return send({ method: 'GET', path: 'v1/creators/me/subscribers', query: filter }, options);
    },
  };
}

export type CreatorMethods = ReturnType<typeof creatorMethods>;
