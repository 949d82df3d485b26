import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requestCancellation } from '../../commands/request-cancellation.ts';
import { requestSubscription, RequestSubscriptionInput } from '../../commands/request-subscription.ts';
import { readInScope } from '../../projections/read-scope.ts';
import { subscriptionById, walletSubscriptions } from '../../projections/subscriptions/queries.ts';
import { commandContext } from '../command-context.ts';
import { ApiError } from '../errors.ts';
import { principalOf } from '../auth/principal.ts';
import type { RoutePolicy } from '../plugins/route-policy.ts';
import { errorResponses, IdempotencyHeaders } from '../schemas/common.ts';
import { SubscriptionView } from '../schemas/subscription.ts';

const ContractCall = z
  .object({
    contractId: z.string(),
    function: z.string(),
    args: z.array(z.object({ name: z.string(), type: z.string(), value: z.string(), xdr: z.string().describe('base64 ScVal XDR') })),
  })
  .meta({ id: 'ContractCall' });

const Params = z.object({ id: z.string().max(200) });

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
      tags: ['subscriptions'], security, headers: IdempotencyHeaders, body: RequestSubscriptionInput,
      response: {
        202: z.object({ subscriptionId: z.string(), status: z.literal('pending'), revision: z.number().int(), contractCall: ContractCall }),
        ...errorResponses,
      },
    },
  }, async (request, reply) => {
    const result = await requestSubscription(deps(), request.body, commandContext(request, request.body.creator));
    return reply.code(202).send({ subscriptionId: result.subscriptionId, status: 'pending' as const, revision: result.revision, contractCall: result.contractCall });
  });

  app.post('/subscriptions/:id/cancel', {
    config: write,
    schema: {
      tags: ['subscriptions'], security, headers: IdempotencyHeaders, params: Params,
      response: { 202: z.object({ subscriptionId: z.string(), revision: z.number().int() }), ...errorResponses },
    },
  }, async (request, reply) => {
    const result = await requestCancellation(deps(), { subscriptionId: request.params.id }, commandContext(request));
    return reply.code(202).send({ subscriptionId: request.params.id, revision: result.revision });
  });

  app.get('/subscriptions/:id', {
    config: read,
    schema: { tags: ['subscriptions'], security, params: Params, response: { 200: SubscriptionView, ...errorResponses } },
  }, async (request) => {
    const principal = principalOf(request);
    const row = await readInScope(app.services.db, { wallet: principal.address, tenantId: principal.tenant }, subscriptionById(request.params.id));
    if (!row) throw new ApiError(404, 'SUBSCRIPTION.NOT_FOUND', `no subscription ${request.params.id}`);
    return row;
  });

  app.get('/me/subscriptions', {
    config: read,
    schema: { tags: ['subscriptions'], security, response: { 200: z.object({ items: z.array(SubscriptionView) }), ...errorResponses } },
  }, async (request) => {
    const wallet = principalOf(request).address;
    const rows = await readInScope(app.services.db, { wallet }, walletSubscriptions(wallet));
    return { items: rows };
  });
};

export default subscriptions;
