import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { cancelCardAtPeriodEnd } from '../../commands/cancel-card-subscription.ts';
import { expireOpenCheckout } from '../../commands/expire-card-checkout.ts';
import { requestCardSubscription } from '../../commands/request-card-subscription.ts';
import { requestCancellation } from '../../commands/request-cancellation.ts';
import { requestSubscription, RequestSubscriptionInput } from '../../commands/request-subscription.ts';
import { subscriptionStreamId } from '../../domain/subscription/events.ts';
import { subscriptionAsOf, subscriptionsAsOf } from '../../projections/as-of/queries.ts';
import { streamHistory } from '../../projections/audit/queries.ts';
import { readInScope } from '../../projections/read-scope.ts';
import { subscriptionById, walletSubscriptions } from '../../projections/subscriptions/queries.ts';
import { commandContext } from '../command-context.ts';
import { ApiError } from '../errors.ts';
import { principalOf } from '../auth/principal.ts';
import type { RoutePolicy } from '../plugins/route-policy.ts';
import { requireCardConfig } from '../plugins/stripe.ts';
import { AsOfApplied, AsOfFields, asOfRequest, ONE_CHAIN_BOUND, oneChainBound } from '../schemas/as-of.ts';
import { errorResponses, IdempotencyHeaders } from '../schemas/common.ts';
import { HistoryPage, HistoryQuery } from '../schemas/history.ts';
import { SubscriptionView } from '../schemas/subscription.ts';

const ContractCall = z
  .object({
    contractId: z.string(),
    function: z.string(),
    args: z.array(z.object({ name: z.string(), type: z.string(), value: z.string(), xdr: z.string().describe('base64 ScVal XDR') })),
  })
  .meta({ id: 'ContractCall' });

const Params = z.object({ id: z.string().max(200) });

const SubscribeBody = RequestSubscriptionInput.extend({
  rail: z.enum(['wallet', 'card']).optional().describe('wallet: sign the contract call (default); card: pay through Stripe Checkout'),
}).meta({ id: 'SubscribeInput' });
const WalletPending = z.object({ subscriptionId: z.string(), status: z.literal('pending'), revision: z.number().int(), rail: z.literal('wallet'), contractCall: ContractCall });
const CardPending = z.object({
  subscriptionId: z.string(), status: z.literal('pending'), revision: z.number().int(), rail: z.literal('card'),
  checkoutUrl: z.string().describe('Stripe Checkout: send the subscriber here; signed webhooks confirm the payment'), checkoutSessionId: z.string(),
});

/** Subscriptions: request (pending until the chain confirms), cancel, read. */
const subscriptions: FastifyPluginAsyncZod = async (app) => {
  const read = { policy: { auth: 'required', scopes: ['subscriptions:read'], reads: ['subscriptions'] } satisfies RoutePolicy };
  const write = { policy: { auth: 'required', scopes: ['subscriptions:write'] } satisfies RoutePolicy };
  const security = [{ bearer: [] }];
  const deps = () => ({
    store: app.services.eventStore,
    contractId: app.services.config.SUBSTREAM_CONTRACT_ID,
    pendingTtlSeconds: app.services.config.SUBSCRIPTION_PENDING_TTL_SECONDS,
  });

  app.post('/subscriptions', {
    config: write,
    schema: {
      tags: ['subscriptions'], security, headers: IdempotencyHeaders, body: SubscribeBody,
      response: {
        202: z.union([WalletPending, CardPending]),
        ...errorResponses,
      },
    },
  }, async (request, reply) => {
    const { config } = app.services;
    if (request.body.rail === 'card') {
      requireCardConfig({ STRIPE_SECRET_KEY: config.STRIPE_SECRET_KEY, STRIPE_SUCCESS_URL: config.STRIPE_SUCCESS_URL, STRIPE_CANCEL_URL: config.STRIPE_CANCEL_URL });
      const deps = { store: app.services.eventStore, pendingTtlSeconds: config.SUBSCRIPTION_PENDING_TTL_SECONDS, checkoutSessions: app.stripe!.checkout.sessions, successUrl: config.STRIPE_SUCCESS_URL!, cancelUrl: config.STRIPE_CANCEL_URL! };
      const result = await requestCardSubscription(deps, { creator: request.body.creator, tier: request.body.tier, rail: 'card' }, commandContext(request, request.body.creator));
      const { subscriptionId, revision, checkoutUrl, checkoutSessionId } = result;
      return reply.code(202).send({ subscriptionId, status: 'pending' as const, revision, rail: 'card' as const, checkoutUrl, checkoutSessionId });
    }
    const result = await requestSubscription(deps(), request.body, commandContext(request, request.body.creator));
    return reply.code(202).send({ subscriptionId: result.subscriptionId, status: 'pending' as const, revision: result.revision, rail: 'wallet' as const, contractCall: result.contractCall });
  });

  app.post('/subscriptions/:id/cancel', {
    config: write,
    schema: {
      tags: ['subscriptions'], security, headers: IdempotencyHeaders, params: Params,
      response: { 202: z.object({ subscriptionId: z.string(), revision: z.number().int() }), ...errorResponses },
    },
  }, async (request, reply) => {
    const result = await requestCancellation(deps(), { subscriptionId: request.params.id }, commandContext(request));
    if (result.rail === 'card' && result.status === 'cancelled') {
      // A request still waiting for its checkout: the open Checkout Session is expired, so it can no longer be paid.
      // (Without Stripe configured any more, the session expires on its own with the intent.)
      const expired = app.stripe && await expireOpenCheckout({ store: app.services.eventStore, checkoutSessions: app.stripe.checkout.sessions }, result.streamId, result.revision);
      if (expired && !expired.expired) request.log.info({ checkoutSession: expired.sessionId }, 'checkout session not open any more: left to its webhooks');
    } else if (result.rail === 'card' && result.status !== 'expired') {
      // A live card subscription ends at its period's end in Stripe; the deletion webhook confirms it.
      requireCardConfig({ STRIPE_SECRET_KEY: app.services.config.STRIPE_SECRET_KEY });
      await cancelCardAtPeriodEnd({ store: app.services.eventStore, subscriptions: app.stripe!.subscriptions }, result.streamId, result.revision);
    }
    return reply.code(202).send({ subscriptionId: request.params.id, revision: result.revision });
  });

  app.get('/subscriptions/:id', {
    config: read,
    schema: {
      tags: ['subscriptions'], security, params: Params,
      description: 'The subscription now, or as of a ledger (`asOfLedger`) or chain time (`asOf`), and/or as the API knew it at `knownAt`: folded from its events.',
      querystring: z.object(AsOfFields).refine(oneChainBound, ONE_CHAIN_BOUND),
      response: { 200: SubscriptionView, ...errorResponses },
    },
  }, async (request) => {
    const principal = principalOf(request);
    const row = await readInScope(app.services.db, { wallet: principal.address, tenantId: principal.tenant }, subscriptionById(request.params.id));
    if (!row) throw new ApiError(404, 'SUBSCRIPTION.NOT_FOUND', `no subscription ${request.params.id}`);
    const bound = asOfRequest(request.query);
    if (!bound) return row;
    // Visible now means visible then: its subscriber and creator never change.
    const { value, asOf } = await subscriptionAsOf(app.services.db, app.services.eventStore, row.subscriber, row.creator, bound);
    if (!value) throw new ApiError(404, 'SUBSCRIPTION.NOT_FOUND', `no subscription ${request.params.id} as of the bound`, { asOf });
    return { ...value, asOf };
  });

  app.get('/subscriptions/:id/history', {
    config: read,
    schema: {
      tags: ['subscriptions'], security, params: Params, querystring: HistoryQuery,
      description: 'The audit trail of the subscription, in order: every intent and fact with who, why, where and when, a page at a time.',
      response: { 200: HistoryPage, ...errorResponses },
    },
  }, async (request) => {
    const principal = principalOf(request);
    const row = await readInScope(app.services.db, { wallet: principal.address, tenantId: principal.tenant }, subscriptionById(request.params.id));
    if (!row) throw new ApiError(404, 'SUBSCRIPTION.NOT_FOUND', `no subscription ${request.params.id}`);
    const page = await streamHistory(app.services.eventStore, subscriptionStreamId(row.subscriber, row.creator), request.query);
    return { id: request.params.id, ...page };
  });

  app.get('/me/subscriptions', {
    config: read,
    schema: {
      tags: ['subscriptions'], security,
      description: 'The caller\'s subscriptions across creators, now or as of a bound (`asOfLedger` / `asOf`, and/or `knownAt`): those that existed by then.',
      querystring: z.object(AsOfFields).refine(oneChainBound, ONE_CHAIN_BOUND),
      response: { 200: z.object({ items: z.array(SubscriptionView), asOf: AsOfApplied.optional() }), ...errorResponses },
    },
  }, async (request) => {
    const wallet = principalOf(request).address;
    const rows = await readInScope(app.services.db, { wallet }, walletSubscriptions(wallet));
    const bound = asOfRequest(request.query);
    if (!bound) return { items: rows };
    return subscriptionsAsOf(app.services.db, app.services.eventStore, rows, bound);
  });
};

export default subscriptions;
