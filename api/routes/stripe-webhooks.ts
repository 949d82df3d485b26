import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordStripeEvent } from '../../commands/record-stripe-event.ts';
import { onAccount, verifyStripeEvent } from '../../platform/stripe.ts';
import type { RoutePolicy } from '../plugins/route-policy.ts';
import { ApiError } from '../errors.ts';
import { requireCardConfig } from '../plugins/stripe.ts';
import { errorResponses } from '../schemas/common.ts';

const Headers = z.object({ 'stripe-signature': z.string().min(1).max(4_096).optional() });
const Received = z
  .object({
    received: z.literal(true),
    outcome: z.enum(['recorded', 'duplicate', 'ignored']).describe('recorded: new facts; duplicate: seen before; ignored: a type or object we do not map'),
    facts: z.array(z.string()).optional(),
  })
  .meta({ id: 'StripeWebhookReceived' });

/**
 * `POST /v1/webhooks/stripe`: public, the `Stripe-Signature` over the raw body is the
 * authentication. A bad or stale signature is 400 and stores nothing; every verified event is
 * acknowledged 200 (mapped, duplicate or ignored) so Stripe stops retrying it.
 * Its JSON parser keeps the raw bytes: re-serialised JSON would not match the signature.
 */
const stripeWebhooks: FastifyPluginAsyncZod = async (app) => {
  const { config, eventStore } = app.services;
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: 512 * 1024 }, (_request, body, done) => done(null, body));

  app.post('/webhooks/stripe', {
    // Public to the route policy: the Stripe signature is its authentication (checked below).
    config: { policy: { auth: 'public' } satisfies RoutePolicy },
    schema: {
      tags: ['payments'], headers: Headers, body: z.custom<Buffer>((v) => Buffer.isBuffer(v), 'must be a JSON body').describe('A Stripe event, signed'),
      response: { 200: Received, ...errorResponses },
    },
  }, async (request) => {
    requireCardConfig({ STRIPE_WEBHOOK_SECRET: config.STRIPE_WEBHOOK_SECRET });
    const signature = request.headers['stripe-signature'];
    if (!signature) throw new ApiError(400, 'PAYMENTS.SIGNATURE_MISSING', 'the Stripe-Signature header is required');
    let event;
    try {
      event = verifyStripeEvent(request.body, signature, config.STRIPE_WEBHOOK_SECRET!, config.STRIPE_WEBHOOK_TOLERANCE_SECONDS);
    } catch (error) {
      throw new ApiError(400, 'PAYMENTS.SIGNATURE_INVALID', 'the Stripe-Signature does not verify (wrong secret, altered body or a timestamp outside the tolerance)', {
        reason: (error as Error).message.split('\n')[0],
      });
    }
    const subscriptions = app.stripe?.subscriptions;
    const cancel = subscriptions && ((sub: string, idempotencyKey: string, account: string | null) =>
      subscriptions.update(sub, { cancel_at_period_end: true }, { idempotencyKey, ...onAccount(account) }));
    const outcome = await recordStripeEvent(eventStore, event, request.id, cancel);
    request.log.info({ stripeEventId: event.id, stripeEventType: event.type, outcome: outcome.status, ...(outcome.status === 'ignored' ? { reason: outcome.reason } : {}) }, 'stripe webhook');
    return { received: true as const, outcome: outcome.status, ...(outcome.status === 'recorded' ? { facts: outcome.facts } : {}) };
  });
};

export default stripeWebhooks;
