import Stripe from 'stripe';
import type { Config } from './config.ts';

export type { Stripe };

/** Where the SDK sends requests: `STRIPE_API_BASE` split into the SDK's host/port/protocol options. */
export function stripeEndpoint(apiBase: string | undefined): { host: string; port: number; protocol: 'http' | 'https' } | Record<string, never> {
  if (apiBase === undefined) return {};
  const url = new URL(apiBase);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port === '' ? (protocol === 'http' ? 80 : 443) : Number(url.port), protocol };
}

/**
 * The platform's Stripe client, or `null` when `STRIPE_SECRET_KEY` is unset (card payments off).
 * Retries are the SDK's (it reuses the same Idempotency-Key on a retry).
 *
 * @example const stripe = createStripeClient(config); await stripe?.products.create({ name }, { idempotencyKey });
 */
export function createStripeClient(config: Pick<Config, 'STRIPE_SECRET_KEY' | 'STRIPE_API_BASE'>): Stripe | null {
  if (config.STRIPE_SECRET_KEY === undefined) return null;
  return new Stripe(config.STRIPE_SECRET_KEY, { ...stripeEndpoint(config.STRIPE_API_BASE), maxNetworkRetries: 2, timeout: 10_000 });
}

/**
 * Request options that act in a connected `account` (the SDK's `stripeAccount`, sent as the
 * `Stripe-Account` header), or nothing for the platform's own (null).
 *
 * @example await stripe.subscriptions.update(id, params, { idempotencyKey, ...onAccount(account) });
 */
export const onAccount = (account: string | null): { stripeAccount?: string } => (account === null ? {} : { stripeAccount: account });

/**
 * Verifies a webhook's `Stripe-Signature` over the raw body and parses the event; throws
 * (Stripe's `StripeSignatureVerificationError`) on a bad signature or a timestamp past `toleranceSeconds`.
 * Needs no API key: verification is an HMAC with the endpoint's secret.
 *
 * @example const event = verifyStripeEvent(rawBody, request.headers['stripe-signature'], 'whsec_…', 300);
 */
export function verifyStripeEvent(rawBody: string | Buffer, signature: string, secret: string, toleranceSeconds: number): Stripe.Event {
  return Stripe.webhooks.constructEvent(rawBody, signature, secret, toleranceSeconds);
}
