import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { registerCreator, RegisterCreatorInput } from '../../commands/register-creator.ts';
import { setTiers, SetTiersInput } from '../../commands/set-tiers.ts';
import { getCreator } from '../../projections/creators/queries.ts';
import { subscribersDiff } from '../../projections/subscriber-diff/queries.ts';
import { listSubscribers } from '../../projections/subscriptions/queries.ts';
import { withReadScope } from '../../projections/read-scope.ts';
import { tenantOf } from '../auth/principal.ts';
import type { RoutePolicy } from '../plugins/route-policy.ts';
import { commandContext } from '../command-context.ts';
import { ApiError } from '../errors.ts';
import { AsOfApplied, ChainPoint, chainPoint } from '../schemas/as-of.ts';
import { AccountAddress, errorResponses, IdempotencyHeaders } from '../schemas/common.ts';
import { CreatorView } from '../schemas/creator.ts';
import { SubscriptionStatus, SubscriptionView } from '../schemas/subscription.ts';

const Written = z.object({ creator: z.string(), revision: z.number().int() });

/** Creators: register, set tiers, public profile, and the creator's subscribers. */
const creators: FastifyPluginAsyncZod = async (app) => {
  const secured = { schema: { security: [{ bearer: [] }] } };
  const admin = { policy: { auth: 'required', scopes: ['admin:all'], tenant: true } satisfies RoutePolicy };

  app.post('/creators', {
    config: admin,
    schema: { tags: ['creators'], security: secured.schema.security, headers: IdempotencyHeaders, body: RegisterCreatorInput, response: { 201: Written, ...errorResponses } },
  }, async (request, reply) => {
    const creator = tenantOf(request);
    const result = await registerCreator({ store: app.services.eventStore }, request.body, commandContext(request, creator));
    return reply.code(201).send({ creator, revision: result.revision });
  });

  app.put('/creators/me/tiers', {
    config: admin,
    schema: { tags: ['creators'], security: secured.schema.security, headers: IdempotencyHeaders, body: SetTiersInput, response: { 200: Written, ...errorResponses } },
  }, async (request) => {
    const creator = tenantOf(request);
    const result = await setTiers({ store: app.services.eventStore }, request.body, commandContext(request, creator));
    return { creator, revision: result.revision };
  });

  app.get('/creators/:address', {
    config: { policy: { auth: 'public', reads: ['creators'] } },
    schema: { tags: ['creators'], params: z.object({ address: AccountAddress }), response: { 200: CreatorView, ...errorResponses } },
  }, async (request) => {
    const row = await withReadScope(app.services.db, {}, (trx) => getCreator(trx, request.params.address));
    if (!row) throw new ApiError(404, 'CREATOR.NOT_FOUND', `no creator ${request.params.address}`);
    return row;
  });

  app.get('/creators/me/subscribers', {
    config: { policy: { auth: 'required', scopes: ['subscriptions:read'], tenant: true, reads: ['subscriptions'] } },
    schema: {
      tags: ['creators'],
      security: secured.schema.security,
      querystring: z.object({
        status: SubscriptionStatus.optional(),
        cursor: z.string().max(512).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
      response: { 200: z.object({ items: z.array(SubscriptionView), nextCursor: z.string().nullable() }), ...errorResponses },
    },
  }, async (request) => {
    const tenantId = tenantOf(request);
    const { status, cursor, limit } = request.query;
    const page = await withReadScope(app.services.db, { tenantId }, (trx) =>
      listSubscribers(trx, { ...(status ? { status } : {}), ...(cursor ? { cursor } : {}), limit }),
    );
    return page;
  });

  const Standing = z.object({ status: SubscriptionStatus, tier: z.string().nullable(), ratePerSecond: z.string().nullable() }).nullable();
  app.get('/creators/me/subscribers/diff', {
    config: { policy: { auth: 'required', scopes: ['subscriptions:read'], tenant: true, reads: ['subscriptions'] } },
    schema: {
      tags: ['creators'],
      security: secured.schema.security,
      description: 'Who joined, upgraded, downgraded or churned between two chain points (each a ledger number or an RFC 3339 time), '
        + 'every subscription folded from its events as of both. At most 5,000 subscribers (more: 422 DIFF.TOO_MANY_SUBSCRIBERS).',
      querystring: z.object({ from: ChainPoint, to: ChainPoint }),
      response: {
        200: z.object({
          items: z.array(z.object({ subscriptionId: z.string(), subscriber: z.string(), change: z.enum(['joined', 'upgraded', 'downgraded', 'churned']), from: Standing, to: Standing })),
          subscribers: z.number().int().describe('subscriptions compared'),
          from: AsOfApplied,
          to: AsOfApplied,
        }),
        ...errorResponses,
      },
    },
  }, async (request) => {
    const tenantId = tenantOf(request);
    return subscribersDiff(app.services.db, app.services.eventStore, tenantId, chainPoint(request.query.from), chainPoint(request.query.to));
  });
};

export default creators;
