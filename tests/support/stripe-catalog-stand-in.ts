import type { StripeRequest } from './stripe-stand-in.ts';

/** A Price the stand-in created. */
export interface StandInPrice {
  id: string;
  currency: string;
  unit_amount: number;
}

/**
 * Stripe-shaped answers for the three calls the catalogue sync makes (`POST /v1/products`,
 * `/v1/prices`, `/v1/prices/:id`), keeping the Prices it created so a Checkout Session that names
 * one can be priced like Stripe prices it.
 *
 * @example const catalogue = catalogueStandIn(); const stripe = await stripeStandIn(t, catalogue.answer);
 */
export function catalogueStandIn() {
  const prices = new Map<string, StandInPrice>();
  function answer(request: StripeRequest): Record<string, unknown> | undefined {
    if (request.method !== 'POST') return undefined;
    const created = Math.floor(Date.now() / 1000);
    if (request.path === '/v1/products') {
      return { id: 'prod_standin1', object: 'product', active: true, name: request.form.get('name'), metadata: { creator: request.form.get('metadata[creator]') }, created, livemode: false };
    }
    if (request.path === '/v1/prices') {
      const price = { id: `price_standin${prices.size + 1}`, currency: request.form.get('currency')!, unit_amount: Number(request.form.get('unit_amount')) };
      prices.set(price.id, price);
      return {
        ...price, object: 'price', active: true, type: 'recurring', product: request.form.get('product'),
        recurring: { interval: request.form.get('recurring[interval]'), interval_count: 1, usage_type: 'licensed' },
        metadata: { creator: request.form.get('metadata[creator]'), tier: request.form.get('metadata[tier]') }, created, livemode: false,
      };
    }
    const archive = /^\/v1\/prices\/(price_[A-Za-z0-9]+)$/.exec(request.path);
    if (archive) return { id: archive[1], object: 'price', active: request.form.get('active') === 'true', type: 'recurring', created, livemode: false };
    return undefined;
  }
  return { answer, prices };
}
