import fp from 'fastify-plugin';
import { createStripeClient, type Stripe } from '../../platform/stripe.ts';
import { ApiError } from '../errors.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The platform's Stripe client; `null` when STRIPE_SECRET_KEY is unset (card payments off). */
    stripe: Stripe | null;
  }
}

/** The code of every card route's 503 while Stripe is not configured. */
export const CARD_DISABLED = 'PAYMENTS.CARD_DISABLED';

/**
 * Throws 503 PAYMENTS.CARD_DISABLED naming the missing variables when any is unset.
 *
 * @example requireCardConfig({ STRIPE_SECRET_KEY: config.STRIPE_SECRET_KEY, STRIPE_SUCCESS_URL: config.STRIPE_SUCCESS_URL });
 */
export function requireCardConfig(settings: Record<string, string | undefined>): void {
  const missing = Object.entries(settings).filter(([, value]) => value === undefined).map(([name]) => name);
  if (missing.length > 0) throw new ApiError(503, CARD_DISABLED, `card payments are off: ${missing.join(', ')} not configured`, { missing });
}

/**
 * Decorates `app.stripe` with the Stripe client built from the configuration (or null).
 *
 * @example await app.register(stripe); app.stripe?.checkout.sessions.create(…)
 */
export default fp(
  async (app) => {
    app.decorate('stripe', createStripeClient(app.services.config));
  },
  { name: 'stripe', dependencies: ['services'] },
);
